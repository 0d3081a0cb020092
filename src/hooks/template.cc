// RenderTemplate (declared in hooks_file.h): the part of Go's text/template that hooks files
// use.
#include <cctype>
#include <fstream>
#include <sstream>

#include "hooks/hooks_file.h"

namespace longhaul::hooks {
namespace {

struct Token {
  enum class Kind { kIdent, kString, kPipe, kOpen, kClose, kDot, kOther } kind;
  std::string text;
};

int LineAt(std::string_view text, size_t pos) {
  int line = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') ++line;
  }
  return line;
}

// Tokenizes the inside of one action. kInvalidArgument for an unterminated string.
base::Result<std::vector<Token>> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '|') {
      out.push_back({Token::Kind::kPipe, "|"});
      ++i;
    } else if (c == '(') {
      out.push_back({Token::Kind::kOpen, "("});
      ++i;
    } else if (c == ')') {
      out.push_back({Token::Kind::kClose, ")"});
      ++i;
    } else if (c == '"') {
      std::string v;
      ++i;
      bool closed = false;
      while (i < s.size()) {
        char d = s[i++];
        if (d == '"') {
          closed = true;
          break;
        }
        if (d != '\\') {
          v += d;
          continue;
        }
        if (i >= s.size()) break;
        char e = s[i++];
        switch (e) {
          case 'n':
            v += '\n';
            break;
          case 't':
            v += '\t';
            break;
          case 'r':
            v += '\r';
            break;
          case '\\':
            v += '\\';
            break;
          case '"':
            v += '"';
            break;
          case '\'':
            v += '\'';
            break;
          default:
            return base::InvalidArgument(std::string("unsupported escape \\") + e + " in a string");
        }
      }
      if (!closed) return base::InvalidArgument("unterminated string");
      out.push_back({Token::Kind::kString, std::move(v)});
    } else if (c == '`') {
      size_t end = s.find('`', i + 1);
      if (end == std::string_view::npos) return base::InvalidArgument("unterminated raw string");
      out.push_back({Token::Kind::kString, std::string(s.substr(i + 1, end - i - 1))});
      i = end + 1;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t b = i;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
      out.push_back({Token::Kind::kIdent, std::string(s.substr(b, i - b))});
    } else if (c == '.') {
      out.push_back({Token::Kind::kDot, "."});
      ++i;
    } else {
      out.push_back({Token::Kind::kOther, std::string(1, c)});
      ++i;
    }
  }
  return out;
}

std::string ReadWhole(const std::string& path, bool& ok) {
  std::ifstream f(path, std::ios::binary);
  ok = static_cast<bool>(f);
  if (!ok) return "";
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// Go's JSEscapeString.
std::string JsEscape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '"':
        out += "\\\"";
        break;
      case '<':
        out += "\\u003C";
        break;
      case '>':
        out += "\\u003E";
        break;
      case '&':
        out += "\\u0026";
        break;
      case '=':
        out += "\\u003D";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          static const char* kHex = "0123456789ABCDEF";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

class Evaluator {
 public:
  Evaluator(const std::vector<Token>& tokens, const config::EnvLookup& env)
      : t_(tokens), env_(env) {}

  base::Result<std::string> Run() {
    auto v = Pipeline();
    if (!v.ok()) return v;
    if (pos_ != t_.size()) return base::InvalidArgument("unexpected `" + t_[pos_].text + "`");
    return v;
  }

 private:
  // pipeline := command ('|' command)*
  base::Result<std::string> Pipeline() {
    std::optional<std::string> prev;
    for (;;) {
      auto v = Command(prev);
      if (!v.ok()) return v;
      prev = std::move(*v);
      if (pos_ < t_.size() && t_[pos_].kind == Token::Kind::kPipe) {
        ++pos_;
        continue;
      }
      return *prev;
    }
  }

  // command := operand | ident operand*   (a piped value is the last argument)
  base::Result<std::string> Command(const std::optional<std::string>& piped) {
    if (pos_ >= t_.size()) return base::InvalidArgument("missing value");
    const Token& first = t_[pos_];
    if (first.kind != Token::Kind::kIdent) {
      if (piped) return base::InvalidArgument("cannot pipe into a value");
      return Operand();
    }
    ++pos_;
    std::vector<std::string> args;
    while (pos_ < t_.size() && t_[pos_].kind != Token::Kind::kPipe &&
           t_[pos_].kind != Token::Kind::kClose) {
      auto a = Operand();
      if (!a.ok()) return a;
      args.push_back(std::move(*a));
    }
    if (piped) args.push_back(*piped);
    return Call(first.text, args);
  }

  base::Result<std::string> Operand() {
    if (pos_ >= t_.size()) return base::InvalidArgument("missing value");
    const Token& tok = t_[pos_++];
    switch (tok.kind) {
      case Token::Kind::kString:
        return tok.text;
      case Token::Kind::kOpen: {
        auto v = Pipeline();
        if (!v.ok()) return v;
        if (pos_ >= t_.size() || t_[pos_].kind != Token::Kind::kClose) {
          return base::InvalidArgument("missing `)`");
        }
        ++pos_;
        return v;
      }
      case Token::Kind::kIdent:
        return Call(tok.text, {});
      case Token::Kind::kDot:
        return base::InvalidArgument("`.` has no data in a hooks file");
      default:
        return base::InvalidArgument("unexpected `" + tok.text + "`");
    }
  }

  std::string Getenv(const std::string& name) const {
    if (!env_) return "";
    auto v = env_(name);
    return v ? *v : "";
  }

  base::Result<std::string> Call(const std::string& fn, const std::vector<std::string>& args) {
    auto want = [&](size_t n) -> base::Status {
      if (args.size() != n) {
        return base::InvalidArgument("wrong number of arguments for " + fn + ": want " +
                                     std::to_string(n) + ", got " + std::to_string(args.size()));
      }
      return base::Status::Ok();
    };
    if (fn == "getenv") {
      LH_RETURN_IF_ERROR(want(1));
      return Getenv(args[0]);
    }
    if (fn == "js") {
      LH_RETURN_IF_ERROR(want(1));
      return JsEscape(args[0]);
    }
    if (fn == "cat") {
      LH_RETURN_IF_ERROR(want(1));
      bool ok = false;
      return ReadWhole(args[0], ok);
    }
    if (fn == "credential") {
      LH_RETURN_IF_ERROR(want(1));
      std::string dir = Getenv("CREDENTIALS_DIRECTORY");
      if (!dir.empty() && args[0].find('/') == std::string::npos) {
        bool ok = false;
        std::string v = ReadWhole(dir + "/" + args[0], ok);
        if (ok) return v;
      }
      return Getenv(args[0]);
    }
    if (fn == "print") {
      std::string out;
      for (const auto& a : args) out += a;
      return out;
    }
    static const char* const kControl[] = {"if",     "else",     "end",   "range", "with",
                                           "define", "template", "block", "break", "continue"};
    for (const char* c : kControl) {
      if (fn == c) return base::InvalidArgument("`" + fn + "` is not supported in hooks files");
    }
    return base::InvalidArgument("function \"" + fn + "\" not defined");
  }

  const std::vector<Token>& t_;
  const config::EnvLookup& env_;
  size_t pos_ = 0;
};

}  // namespace

base::Result<std::string> RenderTemplate(std::string_view text, const std::string& file_name,
                                         const config::EnvLookup& env) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find("{{", i);
    if (open == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    std::string_view literal = text.substr(i, open - i);
    size_t body = open + 2;
    // "{{- " trims the whitespace before the action.
    if (body + 1 < text.size() && text[body] == '-' &&
        std::isspace(static_cast<unsigned char>(text[body + 1]))) {
      size_t e = literal.size();
      while (e > 0 && std::isspace(static_cast<unsigned char>(literal[e - 1]))) --e;
      literal = literal.substr(0, e);
      body += 2;
    }
    out.append(literal);
    int line = LineAt(text, open);
    auto fail = [&](const std::string& what) {
      return base::InvalidArgument(file_name + ":" + std::to_string(line) + ": template: " + what);
    };
    size_t close = text.find("}}", body);
    if (close == std::string_view::npos) return fail("unclosed action");
    std::string_view action = text.substr(body, close - body);
    size_t after = close + 2;
    // " -}}" trims the whitespace after it.
    bool trim_after = false;
    if (action.size() >= 2 && action.back() == '-' &&
        std::isspace(static_cast<unsigned char>(action[action.size() - 2]))) {
      trim_after = true;
      action.remove_suffix(2);
    }
    size_t a = 0;
    while (a < action.size() && std::isspace(static_cast<unsigned char>(action[a]))) ++a;
    std::string_view trimmed = action.substr(a);
    if (trimmed.substr(0, 2) == "/*") {
      size_t end = text.find("*/", body);
      if (end == std::string_view::npos || end > close) return fail("unclosed comment");
    } else {
      auto tokens = Tokenize(action);
      if (!tokens.ok()) return fail(tokens.status().message());
      if (tokens->empty()) return fail("missing value for command");
      Evaluator ev(*tokens, env);
      auto v = ev.Run();
      if (!v.ok()) return fail(v.status().message());
      out += *v;
    }
    i = after;
    if (trim_after) {
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    }
  }
  return out;
}

}  // namespace longhaul::hooks
