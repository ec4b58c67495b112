// Suite YAML → Suite, validated like benches: every problem at once, file:line:column, expected shape,
// did-you-mean for misspelt keys, case IDs and phase names.
#pragma once

#include <span>
#include <string>

#include "rig/suite/suite.hpp"

namespace tapbench::rig {

// `known`: the cases of this build (case IDs and phases are checked against it).
Suite load_suite_text(const std::string& text, const std::string& source_name,
                      std::span<const KnownCase> known);
// `file_or_name`: a path or a built-in suite (smoke, nightly, soak, load). Throws InputError,
// ValidationError.
Suite load_suite(const std::string& file_or_name, std::span<const KnownCase> known);

std::span<const EmbeddedFile> embedded_suites();

}  // namespace tapbench::rig
