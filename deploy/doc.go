// Package deploy holds no code. Beside it are the files that run rivgate in
// production: Kubernetes manifests (k8s/), the systemd unit (systemd/), and
// independent validators (validate/); the Dockerfile is at the repository
// root. Its tests parse every file, check the facts the files must agree on
// (ports, probes, mounts, user ids, timeouts), start a real gateway with the
// Kubernetes configuration, and run systemd-analyze and the npm validators
// when they are available.
package deploy
