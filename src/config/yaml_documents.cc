#include "config/yaml_documents.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>

namespace longhaul::config {
namespace {

// Whether the quoted scalar that starts at `pos` of `text` (at its quote) ends before the text
// does: yaml-cpp 0.7 takes the end of the input for the closing quote, so a value whose quote was
// never closed silently swallows the rest of the file.
bool QuoteCloses(std::string_view text, size_t pos) {
  const char quote = text[pos];
  for (size_t i = pos + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;  // an escape: the next character is not the closing quote
    } else if (text[i] == quote) {
      if (quote == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
        ++i;  // '' is a single quote inside single quotes
      } else {
        return true;
      }
    }
  }
  return false;
}

// Notes whether the current document has any content, and where it starts; refuses a quoted
// scalar that is never closed.
class DocumentEvents : public YAML::EventHandler {
 public:
  explicit DocumentEvents(std::string_view text) : text_(text) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    start = mark;
    content_line = 0;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { Content(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Content(mark);
    // A plain scalar never starts with a quote, so one there opens a quoted scalar.
    const size_t pos = mark.pos < 0 ? text_.size() : static_cast<size_t>(mark.pos);
    if (pos < text_.size() && (text_[pos] == '"' || text_[pos] == '\'') &&
        !QuoteCloses(text_, pos)) {
      throw YAML::ParserException(
          mark, std::string("the quoted value that starts here has no closing ") + text_[pos] +
                    " (it would run to the end of the file)");
    }
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Content(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Content(mark);
  }
  void OnMapEnd() override {}

  YAML::Mark start;
  int content_line = 0;  // 1-based line of the document's first node; 0: empty so far

 private:
  std::string_view text_;

  void Content(const YAML::Mark& mark) {
    if (content_line == 0) content_line = mark.line + 1;
  }
};

}  // namespace

DocumentScan ScanDocuments(const std::string& text) {
  // YAML text has no C0 control characters but tab, LF and CR, nor DEL (YAML 1.2 section 5.1);
  // yaml-cpp reads a NUL as the start of an escape ("unknown escape character").
  // (UTF-16 and UTF-32 text, which yaml-cpp reads after its byte order mark, has NULs.)
  const bool wide = text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF") ||
                    text.starts_with(std::string_view("\0\0\xFE\xFF", 4));
  int line = 0;
  for (size_t i = 0; i < text.size() && !wide; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') ++line;
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
      YAML::Mark mark = YAML::Mark::null_mark();
      mark.pos = static_cast<int>(i);
      mark.line = line;
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", c);
      throw YAML::ParserException(mark, std::string("a control character (byte ") + hex +
                                            ") in the text; YAML has none (is this a text file?)");
    }
  }
  DocumentScan scan;
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  // Marks count bytes after a UTF-8 byte order mark; in UTF-16 or UTF-32 they count characters,
  // and the quote check is left out.
  std::string_view marked = text;
  if (marked.starts_with("\xEF\xBB\xBF")) marked.remove_prefix(3);
  DocumentEvents events(wide ? std::string_view() : marked);
  bool first = true;
  int previous_pos = -1;
  while (parser.HandleNextDocument(events)) {
    if (events.start.pos == previous_pos) {
      scan.stuck_line = events.start.line + 1;
      break;
    }
    previous_pos = events.start.pos;
    if (!first && events.content_line != 0) {
      scan.second_document_line = events.content_line;
      break;
    }
    first = false;
  }
  return scan;
}

int YamlErrorLine(const YAML::Exception& error) {
  return error.mark.is_null() ? 1 : error.mark.line + 1;
}

std::string YamlSyntaxError(std::string_view text, const YAML::Exception& error) {
  if (dynamic_cast<const YAML::DeepRecursion*>(&error) != nullptr) {
    // yaml-cpp's own words for it are "bad file".
    return "invalid YAML: nested too deeply (more levels of lists and mappings than the parser "
           "takes)";
  }
  std::string message = "invalid YAML: " + error.msg;
  size_t at = 0;
  for (int line = 1; line < YamlErrorLine(error) && at != std::string_view::npos; ++line) {
    at = text.find('\n', at);
    if (at != std::string_view::npos) ++at;
  }
  if (at == std::string_view::npos) return message;
  std::string_view line = text.substr(at, text.find('\n', at) - at);
  std::string_view indent = line.substr(0, line.find_first_not_of(" \t"));
  if (indent.find('\t') != std::string_view::npos && error.msg.find("tab") == std::string::npos) {
    message += " (this line is indented with a tab; YAML indents with spaces)";
    return message;
  }
  // yaml-cpp's words, said the way a user would look for the mistake (QA: the parser names the
  // line where it gave up, not the bracket left open above it).
  if (error.msg == YAML::ErrorMsg::END_OF_MAP_FLOW ||
      error.msg == YAML::ErrorMsg::END_OF_SEQ_FLOW) {
    const bool map = error.msg == YAML::ErrorMsg::END_OF_MAP_FLOW;
    message += std::string(" (a '") + (map ? "{" : "[") +
               "' on this line or above is not closed by '" + (map ? "}" : "]") +
               "'; a ${VAR} inside {} or [] must be quoted: \"${VAR}\")";
  } else if (error.msg == YAML::ErrorMsg::END_OF_MAP) {
    message += " (this line is indented less than the keys above it, or more than their parent)";
  } else if (error.msg == YAML::ErrorMsg::MAP_VALUE) {
    message +=
        " (a 'key: value' where none may be: check the indentation, or quote a value that "
        "holds ': ')";
  }
  return message;
}

}  // namespace longhaul::config
