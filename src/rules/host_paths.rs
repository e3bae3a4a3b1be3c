//! Shared by the host-path rules (DS301, DS302): each container's mounts of hostPath volumes.

use crate::model::{Container, PodSpec, Spanned, VolumeMount};

/// A container's mount of a hostPath volume, with the host path.
pub struct HostMount<'a> {
    pub container: &'a Container,
    pub mount: &'a VolumeMount,
    pub path: &'a Spanned<String>,
}

pub fn mounts(pod: &PodSpec) -> Vec<HostMount<'_>> {
    let mut out = Vec::new();
    for container in pod.all_containers() {
        for mount in &container.volume_mounts {
            let Some(name) = &mount.name else { continue };
            let path = pod
                .volumes
                .iter()
                .filter(|v| v.name.as_ref().is_some_and(|n| n.value == name.value))
                .find_map(|v| v.host_path.as_ref()?.path.as_ref());
            if let Some(path) = path {
                out.push(HostMount {
                    container,
                    mount,
                    path,
                });
            }
        }
    }
    out
}

/// One spelling per directory: no trailing slash, and Windows paths with `/` and without
/// the drive, so `C:\var\lib\kubelet\` is `/var/lib/kubelet` and `\\.\pipe\x` is
/// `//./pipe/x`.
pub fn normalize(path: &str) -> String {
    let mut p = path.replace('\\', "/");
    let bytes = p.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        p.drain(..2);
    }
    match p.trim_end_matches('/') {
        "" => "/".to_owned(),
        t => t.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn spellings() {
        assert_eq!(normalize("/var/log/"), "/var/log");
        assert_eq!(normalize("/"), "/");
        assert_eq!(normalize("C:\\var\\lib\\kubelet\\"), "/var/lib/kubelet");
        assert_eq!(
            normalize("\\\\.\\pipe\\csi-proxy-v1"),
            "//./pipe/csi-proxy-v1"
        );
    }
}
