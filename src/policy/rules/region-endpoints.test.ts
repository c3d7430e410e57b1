import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./region-endpoints.js";

testRule(rule, {
  valid: [
    { name: "the clean Debian rootfs", changes: {} },
    {
      name: "global endpoints, and regional ones outside configuration folders (SDK endpoint tables)",
      changes: {
        "/etc/app/aws.conf": "sts = https://sts.amazonaws.com\n",
        "/usr/lib/python3/dist-packages/sdk/endpoints.json": '{"ec2": "ec2.eu-west-1.amazonaws.com"}\n',
      },
    },
  ],
  invalid: [
    {
      name: "endpoints fixed to one region in /opt and /etc",
      changes: {
        "/opt/app/config.yml":
          "ec2_endpoint: https://ec2.us-east-1.amazonaws.com\nbucket_url: https://assets.s3.us-west-2.amazonaws.com/app\n",
        "/etc/app.env": "SQS=https://sqs.eu-central-1.amazonaws.com/123456789012/jobs\n",
      },
      findings: [
        { path: "/etc/app.env", line: 1, severity: "low", evidence: "sqs.eu-central-1.amazonaws.com" },
        { path: "/opt/app/config.yml", line: 1, message: "regional endpoint ec2.us-east-1.amazonaws.com" },
        {
          path: "/opt/app/config.yml",
          line: 2,
          message: "regional endpoint assets.s3.us-west-2.amazonaws.com",
        },
      ],
    },
  ],
});
