# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_llmmon_exporter_global_optspecs
    string join \n source= listen= config= scenario= fault= interval= target= url= h/help V/version
end

function __fish_llmmon_exporter_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_llmmon_exporter_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_llmmon_exporter_using_subcommand
    set -l cmd (__fish_llmmon_exporter_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c llmmon-exporter -n "__fish_llmmon_exporter_needs_command" -l source -d 'Where readings come from' -r -f -a "real\t''
sim\t''"
complete -c llmmon-exporter -n "__fish_llmmon_exporter_needs_command" -l listen -d 'Listen address (single role only; `all` takes addresses from the config)' -r
complete -c llmmon-exporter -n "__fish_llmmon_exporter_needs_command" -l config -d 'TOML configuration file' -r -F
complete -c llmmon-exporter -n "__fish_llmmon_exporter_needs_command" -l scenario -d 'Simulator scenario (normal, high_load, degraded, maintenance)' -r -f -a "normal\t''
high_load\t''
degraded\t''
maintenance\t''"
complete -c llmmon-exporter -n "__fish_llmmon_exporter_needs_command" -l fault -d 'Simulator fault to switch on (repeatable)' -r -f -a "gpu_overheat\t''
container_crash_loop\t''
model_load_failure\t''
upstream_down\t''
error_burst\t''
gpu_xid\t''"
complete -c llmmon-exporter -n "__fish_llmmon_exporter_needs_command" -l interval -d 'Seconds between collections' -r
complete -c llmmon-exporter -n "__fish_llmmon_exporter_needs_command" -l target -d 'vLLM base URL to scrape besides discovered containers (vllm role; repeatable)' -r
complete -c llmmon-exporter -n "__fish_llmmon_exporter_needs_command" -l url -d 'Base URL of the service the role reads (litellm, langfuse roles)' -r
complete -c llmmon-exporter -n "__fish_llmmon_exporter_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmmon-exporter -n "__fish_llmmon_exporter_needs_command" -s V -l version -d 'Print version'
complete -c llmmon-exporter -n "__fish_llmmon_exporter_needs_command" -a "history" -d 'Write the simulator\'s past as OpenMetrics, for backfilling Prometheus'
complete -c llmmon-exporter -n "__fish_llmmon_exporter_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c llmmon-exporter -n "__fish_llmmon_exporter_using_subcommand history" -l days -d 'Days of history, ending at --end (fractions allowed)' -r
complete -c llmmon-exporter -n "__fish_llmmon_exporter_using_subcommand history" -l out -d 'Directory for the OpenMetrics files (created if missing)' -r -F
complete -c llmmon-exporter -n "__fish_llmmon_exporter_using_subcommand history" -l step -d 'Time between samples (30s is the stack\'s scrape interval; 5m makes files a tenth the size)' -r
complete -c llmmon-exporter -n "__fish_llmmon_exporter_using_subcommand history" -l end -d 'End of the history, Unix seconds (exclusive) [default: now]' -r
complete -c llmmon-exporter -n "__fish_llmmon_exporter_using_subcommand history" -l seed -d 'Simulator seed [default: the configuration\'s, 42]' -r
complete -c llmmon-exporter -n "__fish_llmmon_exporter_using_subcommand history" -l scenario -d 'Simulator scenario (normal, high_load, degraded, maintenance)' -r -f -a "normal\t''
high_load\t''
degraded\t''
maintenance\t''"
complete -c llmmon-exporter -n "__fish_llmmon_exporter_using_subcommand history" -l fault -d 'Simulator fault to switch on (repeatable)' -r -f -a "gpu_overheat\t''
container_crash_loop\t''
model_load_failure\t''
upstream_down\t''
error_burst\t''
gpu_xid\t''"
complete -c llmmon-exporter -n "__fish_llmmon_exporter_using_subcommand history" -l config -d 'TOML configuration file (its [sim] section: seed, scale, scenario)' -r -F
complete -c llmmon-exporter -n "__fish_llmmon_exporter_using_subcommand history" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c llmmon-exporter -n "__fish_llmmon_exporter_using_subcommand help; and not __fish_seen_subcommand_from history help" -f -a "history" -d 'Write the simulator\'s past as OpenMetrics, for backfilling Prometheus'
complete -c llmmon-exporter -n "__fish_llmmon_exporter_using_subcommand help; and not __fish_seen_subcommand_from history help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
