import { testRule } from "../../../test/support/rule-tester.js";
import rule from "./url-credentials.js";

// Made-up values; none is a real credential.
const $ = "$";

testRule(rule, {
  valid: [
    { name: "the clean Debian rootfs", changes: {} },
    {
      name: "a user without a password, references, placeholders, documentation hosts and comments",
      changes: {
        "/opt/app/app.conf": [
          "db = postgres://app@db.internal/app",
          `replica = postgres://app:${$}{PGPASSWORD}@replica.internal/app`,
          `cache = redis://:${$}REDIS_PASSWORD@cache.internal:6379/0`,
          "queue = amqp://user:password@mq.internal/",
          "mirror = https://bob:Sekr1tPw@example.com/",
          "# old = postgres://app:Commented0ut@db.internal/app",
          "repo = git@github.com:org/repo.git",
          "",
        ].join("\n"),
      },
    },
    {
      name: "URLs in files package managers installed and in examples",
      changes: {
        "/opt/app/venv/lib/python3.11/site-packages/kombu/README.py":
          'BROKER = "amqp://guest:Gu3stPw1@rabbit.internal//"\n',
        "/opt/app/.env.example": "DATABASE_URL=postgres://app:ExampleUrlPw1@db.internal/app\n",
      },
    },
    {
      name: "git's credential store is credential-store's finding, not a second one here",
      changes: { "/root/.git-credentials": "https://bob:S3cretGitPw9@git.internal\n" },
    },
  ],
  invalid: [
    {
      name: "a postgres URL in .env and a mongodb URL in a conf file",
      changes: {
        "/opt/shop/.env": "DATABASE_URL=postgres://app:Pw0rd2024@db.internal/app\n",
        "/etc/shop/mongo.conf": "uri = mongodb://admin:M0ngoPw2024@mongo.internal:27017/shop\n",
      },
      findings: [
        {
          path: "/etc/shop/mongo.conf",
          line: 1,
          severity: "high",
          message: "a URL carries a password: mongodb://admin:***********@mongo.internal",
          evidence: "mongodb://admin:***********@mongo.internal",
        },
        {
          path: "/opt/shop/.env",
          line: 1,
          messageId: "url",
          data: { url: "postgres://app:*********@db.internal" },
        },
      ],
    },
    {
      name: "several URLs in one file are one finding; a URL in program code is less certain",
      changes: {
        "/etc/shop/services.yml":
          "cache: redis://:R3disPw99@cache.internal:6379/0\nbroker: amqp://svc:Rabb1tPw@mq.internal:5672/\n",
        "/opt/shop/jobs.py": 'BROKER = "amqp://svc:Rabb1tPw@mq.internal:5672/"\n',
      },
      findings: [
        {
          path: "/etc/shop/services.yml",
          line: 1,
          severity: "high",
          messageId: "urls",
          message: "2 URLs carry passwords, the first redis://:*********@cache.internal",
        },
        { path: "/opt/shop/jobs.py", line: 1, severity: "medium", messageId: "url" },
      ],
    },
  ],
});
