// The commands of kubectl-rp and the help each one prints: data only.

#include <limits>

#include "cli/command_line.hpp"

namespace rolloutd::cli {

namespace {

constexpr std::size_t many = std::numeric_limits<std::size_t>::max();

option_spec watch_flag(std::string help) {
  return {.name = "watch", .short_name = 'w', .takes_value = false, .help = std::move(help)};
}

std::vector<command_info> make_commands() {
  return {
      {.id = command_id::get,
       .name = "get",
       .arguments = "NAME [--watch]",
       .summary = "show a policy, its revisions, ReplicaSets and pods",
       .description =
           "Shows the policy's phase, strategy, canary step and weights, images and replica counts,\n"
           "then a tree of its revisions, their ReplicaSets and their pods. With --watch the view is\n"
           "redrawn in place whenever something changes (on a terminal; otherwise each change prints\n"
           "a new view) until interrupted.",
       .examples = "kubectl rp get hello\nkubectl rp get hello -n shop --watch",
       .options = {watch_flag("keep the view up to date until interrupted")},
       .min_args = 1,
       .max_args = 1},
      {.id = command_id::list,
       .name = "list",
       .arguments = "[-A]",
       .summary = "list the policies in a namespace (or all of them)",
       .description =
           "One line per RolloutPolicy: strategy, phase, canary step and weight, replica counts.\n"
           "On a narrow terminal the least important columns are left out; piped output has them all.",
       .examples = "kubectl rp list\nkubectl rp list -A",
       .options = {{.name = "all-namespaces",
                    .short_name = 'A',
                    .takes_value = false,
                    .help = "list the policies of every namespace"}},
       .max_args = 0},
      {.id = command_id::status,
       .name = "status",
       .arguments = "NAME [--watch=true] [--timeout=D]",
       .summary = "wait for a rollout to finish; exit 0 when Healthy, 1 when Degraded",
       .description =
           "Prints one line each time the rollout's state changes (with a progress bar on a terminal)\n"
           "until it is Healthy (exit 0) or Degraded (exit 1), as `kubectl rollout status` does for a\n"
           "Deployment. A status the controller wrote for an older spec does not count. --timeout ends\n"
           "the wait with exit 1; --watch=false prints the current state once (exit 1 only if Degraded).",
       .examples = "kubectl rp status hello\nkubectl rp status hello --timeout=5m",
       .options = {watch_flag("wait for the rollout to finish (default true; --watch=false to look once)"),
                   {.name = "timeout",
                    .help = "give up after this long (Go duration: 90s, 5m); 0 waits forever",
                    .default_value = "0"}},
       .min_args = 1,
       .max_args = 1},
      {.id = command_id::promote,
       .name = "promote",
       .arguments = "NAME [--full]",
       .summary = "end the current pause (--full: skip every remaining step)",
       .description =
           "Asks the controller to end the current pause: a canary pause step, or a blue/green\n"
           "rollout waiting for promotion. With --full every remaining step and analysis is skipped\n"
           "and the new revision goes to 100%. The request is written to status.operation through the\n"
           "status subresource, so spec (and a GitOps tool's view of it) does not change.",
       .examples = "kubectl rp promote hello\nkubectl rp promote hello --full",
       .options = {{.name = "full",
                    .takes_value = false,
                    .help = "skip every remaining step and go to 100%"}},
       .min_args = 1,
       .max_args = 1},
      {.id = command_id::abort,
       .name = "abort",
       .arguments = "NAME",
       .summary = "return traffic and replicas to the stable revision",
       .description =
           "Asks the controller to abort the rollout: traffic and replicas go back to the stable\n"
           "revision and the phase becomes Degraded; spec.template is left as it is. `retry` starts\n"
           "again; a new template starts a new rollout.",
       .examples = "kubectl rp abort hello",
       .min_args = 1,
       .max_args = 1},
      {.id = command_id::retry,
       .name = "retry",
       .arguments = "NAME",
       .summary = "clear an abort and run the steps again from the first",
       .description =
           "Asks the controller to clear an abort and start the rollout's steps again from the first.",
       .examples = "kubectl rp retry hello",
       .min_args = 1,
       .max_args = 1},
      {.id = command_id::pause,
       .name = "pause",
       .arguments = "NAME",
       .summary = "stop the rollout where it is (spec.paused)",
       .description = "Sets spec.paused: the controller makes no progress toward the new template until\n"
                      "`resume` (scaling still applies).",
       .examples = "kubectl rp pause hello",
       .min_args = 1,
       .max_args = 1},
      {.id = command_id::resume,
       .name = "resume",
       .arguments = "NAME",
       .summary = "continue a paused rollout",
       .description = "Clears spec.paused, so the rollout continues.",
       .examples = "kubectl rp resume hello",
       .min_args = 1,
       .max_args = 1},
      {.id = command_id::restart,
       .name = "restart",
       .arguments = "NAME",
       .summary = "replace every pod (spec.restartAt = now)",
       .description =
           "Sets spec.restartAt to now: pods created before it are replaced within maxUnavailable, as\n"
           "`kubectl rollout restart` does, for every strategy (blue/green: one pod at a time). During\n"
           "a rollout, an abort or a pause the pods are replaced once the rollout is complete.",
       .examples = "kubectl rp restart hello",
       .min_args = 1,
       .max_args = 1},
      {.id = command_id::set_image,
       .name = "set image",
       .arguments = "NAME CONTAINER=IMAGE...",
       .summary = "change container images (starts a rollout)",
       .description =
           "Changes the image of the named containers (init containers included) in spec.template;\n"
           "CONTAINER \"*\" means every container.",
       .examples = "kubectl rp set image hello hello=kelseyhightower/hello:2.0.0",
       .min_args = 2,
       .max_args = many},
      {.id = command_id::undo,
       .name = "undo",
       .arguments = "NAME [--to-revision=N]",
       .summary = "go back to a previous revision's template",
       .description =
           "Copies the template of a previous revision (by default the one before the latest) into\n"
           "spec.template, as `kubectl rollout undo` does; the controller then rolls out to it,\n"
           "reusing that revision's ReplicaSet under a new revision number.",
       .examples = "kubectl rp undo hello\nkubectl rp undo hello --to-revision=1",
       .options = {{.name = "to-revision",
                    .help = "the revision to go back to (0: the previous one)",
                    .default_value = "0"}},
       .min_args = 1,
       .max_args = 1},
      {.id = command_id::history,
       .name = "history",
       .arguments = "NAME [--revision=N]",
       .summary = "list revisions with their change cause and images",
       .description =
           "Lists the policy's revisions (one per ReplicaSet it still has), each with its change cause\n"
           "(the kubernetes.io/change-cause annotation) and images. --revision shows one revision's pod\n"
           "template.",
       .examples = "kubectl rp history hello\nkubectl rp history hello --revision=2",
       .options = {{.name = "revision", .help = "show this revision's pod template", .default_value = "0"}},
       .min_args = 1,
       .max_args = 1},
      {.id = command_id::version,
       .name = "version",
       .summary = "print the version of kubectl-rp",
       .description = "Prints the version of kubectl-rp.",
       .examples = "kubectl rp version"},
      {.id = command_id::completion,
       .name = "completion",
       .arguments = "bash|zsh",
       .summary = "print a shell completion script",
       .description =
           "Prints a completion script for bash or zsh, completing commands, flags and policy names.",
       .examples =
           "source <(kubectl-rp completion bash)\nkubectl-rp completion zsh > \"${fpath[1]}/_kubectl-rp\"",
       .min_args = 1,
       .max_args = 1},
      {.id = command_id::help,
       .name = "help",
       .arguments = "[COMMAND]",
       .summary = "help about any command",
       .description = "Prints the help of a command, or the list of commands.",
       .examples = "kubectl rp help status",
       .max_args = 2},
  };
}

}  // namespace

const std::vector<command_info>& commands() {
  static const std::vector<command_info> table = make_commands();
  return table;
}

const std::vector<option_spec>& global_options() {
  static const std::vector<option_spec> options = {
      {.name = "help", .short_name = 'h', .takes_value = false, .help = "show help for the command"},
      {.name = "version", .takes_value = false, .help = "print the version of kubectl-rp and exit"},
      {.name = "kubeconfig",
       .help = "path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)"},
      {.name = "context", .help = "the kubeconfig context to use (default: current-context)"},
      {.name = "namespace", .short_name = 'n', .help = "the namespace (default: the context's)"},
      {.name = "request-timeout",
       .help = "give up on one API request after this long",
       .default_value = "30s"},
  };
  return options;
}

const command_info* find_command(command_id id) {
  for (const auto& c : commands()) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

}  // namespace rolloutd::cli
