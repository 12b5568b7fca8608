//! The charm binary: Juju runs it as the charm's `dispatch` for every hook.

fn main() -> std::process::ExitCode {
    ops_runtime::main::<k8s_5_observe::FastApiDemoCharm>()
}
