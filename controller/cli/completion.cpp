#include "cli/completion.hpp"

#include <set>
#include <sstream>

#include "cli/command_line.hpp"

namespace rolloutd::cli {

namespace {

std::string flag_words(const std::vector<option_spec>& options) {
  std::string out;
  for (const auto& o : options) {
    if (!out.empty()) out += ' ';
    out += "--" + o.name;
    if (o.short_name != '\0') out += std::string(" -") + o.short_name;
  }
  return out;
}

// Flags that take a value: the word after them is not the command.
std::string value_flag_pattern() {
  std::string out;
  std::set<std::string> seen;
  auto add = [&](const option_spec& o) {
    if (!o.takes_value || !seen.insert(o.name).second) return;
    if (!out.empty()) out += '|';
    out += "--" + o.name;
    if (o.short_name != '\0') out += std::string("|-") + o.short_name;
  };
  for (const auto& o : global_options()) add(o);
  for (const auto& c : commands()) {
    for (const auto& o : c.options) add(o);
  }
  return out;
}

// The first word of every command ("set" for "set image").
std::string command_words() {
  std::string out;
  for (const auto& c : commands()) {
    const std::string word(c.name.substr(0, c.name.find(' ')));
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

std::string command_flag_cases(std::string_view indent) {
  std::ostringstream out;
  for (const auto& c : commands()) {
    if (c.options.empty()) continue;
    out << indent << c.name.substr(0, c.name.find(' ')) << ") flags=\"" << flag_words(c.options) << "\" ;;\n";
  }
  return out.str();
}

std::string bash_script() {
  std::ostringstream s;
  s << "# bash completion for kubectl-rp; load with: source <(kubectl-rp completion bash)\n"
       "_kubectl_rp() {\n"
       "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
       "  local cmd='' i args=0 kargs=()\n"
       "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
       "    case ${COMP_WORDS[i]} in\n"
       "      -n|--namespace) kargs+=(-n \"${COMP_WORDS[i+1]}\"); ((i++)) ;;\n"
       "      --namespace=*) kargs+=(-n \"${COMP_WORDS[i]#--namespace=}\") ;;\n"
       "      --context) kargs+=(--context \"${COMP_WORDS[i+1]}\"); ((i++)) ;;\n"
       "      --kubeconfig) kargs+=(--kubeconfig \"${COMP_WORDS[i+1]}\"); ((i++)) ;;\n"
    << "      " << value_flag_pattern() << ") ((i++)) ;;\n"
    << "      -*) ;;\n"
       "      *) if [[ -z $cmd ]]; then cmd=${COMP_WORDS[i]}; else ((args++)); fi ;;\n"
       "    esac\n"
       "  done\n"
       "  case $prev in\n"
       "    -n|--namespace)\n"
       "      COMPREPLY=($(compgen -W \"$(kubectl get namespaces -o jsonpath='{.items[*].metadata.name}' "
       "2>/dev/null)\" -- \"$cur\")); return ;;\n"
       "    --context) COMPREPLY=($(compgen -W \"$(kubectl config get-contexts -o name 2>/dev/null)\" -- "
       "\"$cur\"));"
       " return ;;\n"
       "    --kubeconfig) COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n"
       "  esac\n"
       "  local global=\""
    << flag_words(global_options())
    << "\" flags=''\n"
       "  if [[ -z $cmd ]]; then\n"
       "    COMPREPLY=($(compgen -W \""
    << command_words()
    << " $global\" -- \"$cur\")); return\n"
       "  fi\n"
       "  case $cmd in\n"
    << command_flag_cases("    ")
    << "  esac\n"
       "  if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"$flags $global\" -- \"$cur\")); return; fi\n"
       "  case $cmd in\n"
       "    set) ((args == 0)) && { COMPREPLY=($(compgen -W image -- \"$cur\")); return; }; ((args--)) ;;\n"
       "    completion) ((args == 0)) && COMPREPLY=($(compgen -W 'bash zsh' -- \"$cur\")); return ;;\n"
       "    help) ((args == 0)) && COMPREPLY=($(compgen -W \""
    << command_words()
    << "\" -- \"$cur\")); return ;;\n"
       "    list|version) return ;;\n"
       "  esac\n"
       "  ((args == 0)) || return\n"
       "  COMPREPLY=($(compgen -W \"$(kubectl get rolloutpolicies.rolloutd.io \"${kargs[@]}\" "
       "-o jsonpath='{.items[*].metadata.name}' 2>/dev/null)\" -- \"$cur\"))\n"
       "}\n"
       "complete -F _kubectl_rp kubectl-rp\n";
  return s.str();
}

std::string zsh_script() {
  std::ostringstream s;
  s << "#compdef kubectl-rp\n"
       "# zsh completion for kubectl-rp; load with: source <(kubectl-rp completion zsh), or save it as\n"
       "# _kubectl-rp in a directory of $fpath.\n"
       "_kubectl_rp() {\n"
       "  local cmd='' i args=0 flags=''\n"
       "  local -a kargs\n"
       "  for ((i = 2; i < CURRENT; i++)); do\n"
       "    case $words[i] in\n"
       "      -n|--namespace|--context|--kubeconfig) kargs+=($words[i] $words[i+1]); ((i++)) ;;\n"
       "      --namespace=*) kargs+=(-n ${words[i]#--namespace=}) ;;\n"
    << "      " << value_flag_pattern() << ") ((i++)) ;;\n"
    << "      -*) ;;\n"
       "      *) if [[ -z $cmd ]]; then cmd=$words[i]; else ((args++)); fi ;;\n"
       "    esac\n"
       "  done\n"
       "  case $words[CURRENT-1] in\n"
       "    -n|--namespace) compadd -- ${=\"$(kubectl get namespaces -o jsonpath='{.items[*].metadata.name}' "
       "2>/dev/null)\"}; return ;;\n"
       "    --context) compadd -- ${(f)\"$(kubectl config get-contexts -o name 2>/dev/null)\"}; return ;;\n"
       "    --kubeconfig) _files; return ;;\n"
       "  esac\n"
       "  local global=\""
    << flag_words(global_options())
    << "\"\n"
       "  if [[ -z $cmd && $PREFIX != -* ]]; then compadd -- "
    << command_words()
    << "; return; fi\n"
       "  case $cmd in\n"
    << command_flag_cases("    ")
    << "  esac\n"
       "  if [[ $PREFIX == -* ]]; then compadd -- ${=flags} ${=global}; return; fi\n"
       "  case $cmd in\n"
       "    set) ((args == 0)) && { compadd image; return; }; ((args--)) ;;\n"
       "    completion) ((args == 0)) && compadd bash zsh; return ;;\n"
       "    help) ((args == 0)) && compadd -- "
    << command_words()
    << "; return ;;\n"
       "    list|version) return ;;\n"
       "  esac\n"
       "  ((args == 0)) || return\n"
       "  compadd -- ${=\"$(kubectl get rolloutpolicies.rolloutd.io $kargs -o "
       "jsonpath='{.items[*].metadata.name}' "
       "2>/dev/null)\"}\n"
       "}\n"
       "if [[ $funcstack[1] == _kubectl-rp ]]; then _kubectl_rp \"$@\"; else compdef _kubectl_rp kubectl-rp; "
       "fi\n";
  return s.str();
}

}  // namespace

std::optional<std::string> completion_script(std::string_view shell) {
  if (shell == "bash") return bash_script();
  if (shell == "zsh") return zsh_script();
  return std::nullopt;
}

}  // namespace rolloutd::cli
