use crate::diagnostic::{Diagnostic, RuleMeta, Severity};
use crate::engine::{Context, Rule};
use crate::model::{DaemonSet, PodSpec, VolumeMount};

pub static META: RuleMeta = RuleMeta {
    code: "DS812",
    name: "mount-inside-proc",
    severity: Severity::Error,
    summary: "A volume mounted inside the container's /proc (`/proc/sys`): runc refuses the \
              mount, so the container never starts",
    doc: include_str!("../../rules/DS812.md"),
};

pub struct MountInsideProc;

/// The files runc lets a bind mount cover, for lxcfs (`validProcMounts` in runc's
/// `checkProcMount`).
const ALLOWED: &[&str] = &[
    "/proc/cpuinfo",
    "/proc/diskstats",
    "/proc/meminfo",
    "/proc/stat",
    "/proc/swaps",
    "/proc/uptime",
    "/proc/loadavg",
    "/proc/slabinfo",
    "/proc/net/dev",
    "/proc/sys/kernel/ns_last_pid",
    "/proc/pressure/cpu",
    "/proc/pressure/io",
    "/proc/pressure/memory",
];

impl Rule for MountInsideProc {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ds: &DaemonSet, cx: &mut Context) {
        let Some(pod) = ds.pod() else { return };
        if pod.windows_only() {
            return;
        }
        for c in pod.all_containers() {
            for m in &c.volume_mounts {
                let Some(path) = &m.mount_path else { continue };
                let dest = path.value.trim().trim_end_matches('/');
                let Some(why) = refusal(pod, m, dest) else {
                    continue;
                };
                cx.report(
                    Diagnostic::new(
                        &META,
                        path.span,
                        format!(
                            "{} mounts a volume at `{dest}`, {why}: runc refuses the mount \
                             (\"cannot be mounted because it is inside /proc\"), so the \
                             container never starts",
                            c.describe()
                        ),
                    )
                    .label("refused by runc")
                    .help(
                        "mount the host's /proc elsewhere (`mountPath: /host/proc`) and point \
                         the agent at it; to change a kernel setting, write under that mount \
                         (`/host/proc/sys/...`), which takes a privileged container",
                    ),
                );
            }
        }
    }
}

/// Whether runc refuses the mount, which this rule reports.
pub fn refused(pod: &PodSpec, m: &VolumeMount) -> bool {
    m.mount_path
        .as_ref()
        .is_some_and(|p| refusal(pod, m, p.value.trim().trim_end_matches('/')).is_some())
}

/// Why runc refuses a bind mount at `dest`, if it does.
fn refusal(pod: &PodSpec, m: &VolumeMount, dest: &str) -> Option<&'static str> {
    if dest == "/proc" {
        // runc allows a mount over /proc itself when its source is a procfs: the host's /proc.
        let source = m.name.as_ref().and_then(|name| {
            pod.volumes
                .iter()
                .find(|v| v.name.as_ref().is_some_and(|n| n.value == name.value))
        })?;
        let from_proc = source
            .host_path
            .as_ref()
            .and_then(|h| h.path.as_ref())
            .is_some_and(|p| p.value == "/proc" || p.value.starts_with("/proc/"));
        return (!from_proc).then_some("over /proc, from a source that is no procfs");
    }
    (dest.starts_with("/proc/") && !ALLOWED.contains(&dest)).then_some("inside /proc")
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::{pod_spec, positions};

    fn ds(path: &str, host: &str) -> String {
        pod_spec(&format!(
            "      containers:\n      - name: a\n        image: i:1\n        volumeMounts:\n        - {{name: v, mountPath: {path}}}\n      volumes:\n      - {{name: v, hostPath: {{path: {host}}}}}\n"
        ))
    }

    #[test]
    fn mounts_under_proc() {
        assert_eq!(positions(&ds("/proc/sys", "/proc/sys"), "DS812"), ["13:32"]);
        assert_eq!(positions(&ds("/proc", "/var/lib/x"), "DS812"), ["13:32"]);
        for (path, host) in [
            ("/proc", "/proc"),
            ("/proc/", "/proc"),
            ("/proc/meminfo", "/var/lib/lxcfs/proc/meminfo"),
            ("/host/proc", "/proc"),
            ("/process", "/var/lib/x"),
        ] {
            assert!(positions(&ds(path, host), "DS812").is_empty(), "{path}");
        }
    }
}
