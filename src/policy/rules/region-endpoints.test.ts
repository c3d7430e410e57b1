import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./region-endpoints.js";

const VENV = "/opt/app/venv/lib/python3.11/site-packages";
/** botocore's endpoint table, shaped like data/endpoints.json: one hostname per region and service. */
const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2"];
const endpointTable = (services: string[]) =>
  `${JSON.stringify(
    {
      partitions: [
        {
          services: Object.fromEntries(
            services.map((s) => [
              s,
              {
                endpoints: Object.fromEntries(
                  REGIONS.map((r) => [r, { hostname: `${s}.${r}.amazonaws.com` }]),
                ),
              },
            ]),
          ),
        },
      ],
    },
    null,
    1,
  )}\n`;
/** 50 lines, each naming one regional endpoint (10 services × 5 regions). */
const fiftyEndpoints = Array.from(
  { length: 50 },
  (_, i) => `endpoint_${i} = https://svc${Math.floor(i / 5)}.${REGIONS[i % 5]}.amazonaws.com\n`,
).join("");

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
    {
      name: "botocore's endpoint table in a virtualenv under /opt, and pip's scripts beside it",
      changes: {
        [`${VENV}/botocore/data/endpoints.json`]: endpointTable(["ec2", "s3", "sqs", "sts", "dynamodb"]),
        [`${VENV}/botocore-1.34.0.dist-info/RECORD`]:
          "botocore/data/endpoints.json,sha256=x,1\n../../../bin/aws-endpoints,sha256=y,2\n",
        "/opt/app/venv/bin/aws-endpoints": "DEFAULT = 'ec2.us-east-1.amazonaws.com'\n",
      },
    },
    {
      name: "SDK data in node_modules, a Composer vendor/ tree and a gem",
      changes: {
        "/srv/web/node_modules/aws-sdk/lib/region_config_data.json": endpointTable(["s3"]),
        "/var/www/shop/vendor/composer/installed.json": '{"packages": [{"name": "aws/aws-sdk-php"}]}\n',
        "/var/www/shop/vendor/aws/aws-sdk-php/src/data/endpoints.json": endpointTable(["ec2"]),
        "/opt/ruby/gems/aws-partitions-1.880.0/partitions.json": endpointTable(["sqs"]),
      },
    },
  ],
  invalid: [
    {
      name: "endpoints fixed to one region in /opt and /etc: one finding per file, with the count",
      changes: {
        "/opt/app/config.yml":
          "ec2_endpoint: https://ec2.us-east-1.amazonaws.com\nbucket_url: https://assets.s3.us-west-2.amazonaws.com/app\n",
        "/etc/app.env": "SQS=https://sqs.eu-central-1.amazonaws.com/123456789012/jobs\n",
      },
      findings: [
        {
          path: "/etc/app.env",
          line: 1,
          severity: "low",
          messageId: "endpoint",
          evidence: "sqs.eu-central-1.amazonaws.com",
        },
        {
          path: "/opt/app/config.yml",
          line: 1,
          messageId: "endpoints",
          message:
            "2 regional endpoints in this file: ec2.us-east-1.amazonaws.com, assets.s3.us-west-2.amazonaws.com",
          evidence: "ec2.us-east-1.amazonaws.com",
        },
      ],
    },
    {
      name: "the application's own settings beside its virtualenv are still configuration",
      changes: {
        [`${VENV}/botocore/data/endpoints.json`]: endpointTable(["ec2", "s3"]),
        "/opt/app/settings.py": "SQS_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/jobs'\n",
        // A folder called vendor/ without a package manager's manifest is the publisher's own.
        "/var/www/site/vendor/aws.php": "<?php $endpoint = 'https://s3.us-west-2.amazonaws.com';\n",
      },
      findings: [
        { path: "/opt/app/settings.py", line: 1, data: { host: "sqs.eu-west-1.amazonaws.com" } },
        { path: "/var/www/site/vendor/aws.php", line: 1, data: { host: "s3.us-west-2.amazonaws.com" } },
      ],
    },
    {
      name: "a file naming 50 endpoints is one finding naming 50",
      changes: { "/etc/app/endpoints.conf": fiftyEndpoints },
      findings: [
        {
          path: "/etc/app/endpoints.conf",
          line: 1,
          messageId: "endpoints",
          data: {
            count: 50,
            hosts:
              "svc0.us-east-1.amazonaws.com, svc0.us-west-2.amazonaws.com, svc0.eu-west-1.amazonaws.com, svc0.eu-central-1.amazonaws.com, svc0.ap-southeast-2.amazonaws.com and 45 more",
          },
          evidence: "svc0.us-east-1.amazonaws.com",
        },
      ],
    },
  ],
});
