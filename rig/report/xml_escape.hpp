// Escaping of text for XML and HTML: JUnit XML (junit.cpp) and the HTML report (html_report.cpp) share it.
// The output is safe in element content and in single- or double-quoted attribute values of both.
#pragma once

#include <string>
#include <string_view>

namespace tapbench::rig {

// Escapes & < > " ' and the line-breaking whitespace as character references; drops the control characters
// XML 1.0 forbids (even escaped) — which HTML does not render either.
std::string xml_escape(std::string_view text);

}  // namespace tapbench::rig
