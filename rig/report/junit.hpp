// JUnit XML for CI systems (Jenkins junit plugin, GitLab unit test reports): one <testsuite> for the run, one
// <testcase> per case (classname tapbench.<bench>.<suite>), a <failure> when a cycle failed (FAIL wins over
// ERROR, as in the exit code), an <error> for bench/rig errors, <skipped> with the reason. Cycles that did
// not pass become <property name="cycle.N"> entries and every cycle's outcome is listed in <system-out>,
// with the phase percentiles. Written by hand (a few elements, escaping below) rather than through an XML
// library: the format is fixed and small, and tests check it parses with a real XML parser (xmllint).
#pragma once

#include <string>

#include "rig/report/run_data.hpp"
#include "rig/report/xml_escape.hpp"

namespace tapbench::rig {

std::string render_junit(const RunData& run);

}  // namespace tapbench::rig
