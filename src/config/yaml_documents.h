// Where a YAML text's documents after the first begin, found without YAML::LoadAll, for the
// files that must hold exactly one document (the config, a hooks file); and how a syntax error
// in such a file is told.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace YAML {
class Exception;
}  // namespace YAML

namespace longhaul::config {

// Never use YAML::LoadAll for this: yaml-cpp 0.7's LoadAll never returns on some malformed input
// (a stray ',' where a document starts, jbeder/yaml-cpp#1040; fixed upstream after 0.8.0): the
// parser hands back the same empty document at the same position forever, and LoadAll keeps
// every copy until memory runs out.
struct DocumentScan {
  int second_document_line = 0;  // 1-based line of the first non-empty later document; 0: none
  int stuck_line = 0;            // 1-based line where the parser stopped making progress; 0: none
};

// Scans `text` up to its second document with content (a later document without any, as after
// a trailing '---', is not counted; the first one counts even when empty, so "---\n---\nx"
// gives line 3) or up to where the parser stops making progress, whichever comes first.
// Throws YAML::Exception on a syntax error, as YAML::LoadAll would.
DocumentScan ScanDocuments(const std::string& text);

// "invalid YAML: " and yaml-cpp's words for `error` in `text`, with a hint when the line it
// names is indented with a tab and yaml-cpp's words do not say so ("illegal map value"): YAML
// indents with spaces only.
std::string YamlSyntaxError(std::string_view text, const YAML::Exception& error);
// The 1-based line `error` names (1 when it names none).
int YamlErrorLine(const YAML::Exception& error);

}  // namespace longhaul::config
