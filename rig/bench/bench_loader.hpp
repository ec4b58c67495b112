// Bench YAML → Bench, validated (docs/BENCH.md). Every problem in the file is reported at once, each with
// file:line:column, the expected shape and a did-you-mean for near misses.
#pragma once

#include <string>
#include <vector>

#include "rig/bench/bench.hpp"

namespace tapbench::rig {

// Parses and validates a bench. `source_name` is what error messages cite. Throws ValidationError.
Bench load_bench_text(const std::string& text, const std::string& source_name);
// `file_or_name`: a path, or a built-in bench (`sim`, `hwsim`, `lab-example`). Throws InputError when the
// file cannot be read, ValidationError when it is not a valid bench.
Bench load_bench(const std::string& file_or_name);

// The benches compiled into tapbench (fixtures/benches/*.yaml).
std::span<const EmbeddedFile> embedded_benches();

}  // namespace tapbench::rig
