# The same two steps on an amazon-ebs build: they run on the build instance, last, just before
# Packer stops it and creates the AMI, so nothing the build left behind reaches the image.
# amigate is installed from npm on the instance (Node.js 20 or later).
#
#   packer build -var region=us-east-1 recipes/packer/amazon-ebs.pkr.hcl

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "fail_on" {
  type    = string
  default = "high"
}

source "amazon-ebs" "debian" {
  region        = var.region
  instance_type = "t3.micro"
  ssh_username  = "admin"
  ami_name      = "my-product-{{timestamp}}"
  source_ami_filter {
    filters = {
      name                = "debian-12-amd64-*"
      virtualization-type = "hvm"
      root-device-type    = "ebs"
    }
    owners      = ["136693071363"]
    most_recent = true
  }
}

build {
  sources = ["source.amazon-ebs.debian"]

  # ... the provisioners that install your product go here ...

  provisioner "shell" {
    inline = [
      "sudo apt-get update -qq && sudo apt-get install -y -qq nodejs npm",
      "sudo npm install -g amigate",
      "sudo amigate fix --yes --journal /tmp/amigate-fix.jsonl / || [ $? -eq 1 ]",
      "sudo amigate scan --fail-on ${var.fail_on} /",
      "sudo npm uninstall -g amigate",
    ]
  }
}
