# Clean and check an image tree before it is captured: `amigate fix --yes` makes the tree safe to
# share (histories, authorized keys, host keys, saved credentials, machine-id, logs, sshd password
# authentication, the root password), then `amigate scan --fail-on high` fails the build when what
# is left would be refused. The null builder runs no machine: the provisioner works on a local
# tree (a chroot, a mounted volume, an unpacked archive).
#
#   packer build -var root=/mnt/image recipes/packer/local-tree.pkr.hcl

variable "root" {
  type        = string
  description = "The image's root directory on this machine."
}

variable "amigate" {
  type        = string
  default     = "amigate"
  description = "The amigate command (a path, or a command on PATH)."
}

variable "fail_on" {
  type        = string
  default     = "high"
  description = "Fail the build on findings at or above this severity."
}

variable "report" {
  type        = string
  default     = "amigate-report.sarif"
  description = "Where the SARIF report of the final scan is written."
}

source "null" "image_tree" {
  communicator = "none"
}

build {
  sources = ["source.null.image_tree"]

  provisioner "shell-local" {
    inline = [
      # Exit 1 from fix means findings remain that it cannot mend: the scan below reports them.
      "${var.amigate} fix --yes --journal amigate-fix.jsonl ${var.root} || [ $? -eq 1 ]",
      "${var.amigate} scan --fail-on ${var.fail_on} --format sarif --output ${var.report} ${var.root} || { ${var.amigate} scan --fail-on ${var.fail_on} ${var.root}; exit 1; }",
    ]
  }
}
