#!/usr/bin/env python3
"""Generates the scale benchmark's project at a size: the same stack for fintech (fintech.yaml and
stacks/scale.yaml) and for Terraform (main.tf), so that bench/run can measure both.

    python3 bench/scale.py N OUT     # N = 1 gives 28 fintech resources, N = 10 gives 253

For each unit of N: 8 functions (one role), each with a daily schedule and a route on one HTTP API,
6 buckets (private, encrypted, TLS only, with a lifecycle rule: what fintech makes of every bucket)
and 3 security groups with two ingress rules each. The Terraform side declares what fintech does
for the same stack, resource by resource (a schedule is a rule, a target and a permission; a route
is an integration, a route and a permission; a bucket is the bucket and its five settings).
"""
import os
import sys

FUNCTIONS, BUCKETS, GROUPS = 8, 6, 3
APP, STAGE, REGION = "scale", "dev", "us-east-1"


def fintech(n, out):
    f, b, g = FUNCTIONS * n, BUCKETS * n, GROUPS * n
    os.makedirs(os.path.join(out, "stacks"), exist_ok=True)
    os.makedirs(os.path.join(out, "app", "backend"), exist_ok=True)
    with open(os.path.join(out, "app", "backend", "handler.py"), "w") as h:
        h.write("def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n")
    with open(os.path.join(out, "fintech.yaml"), "w") as y:
        y.write(f"""# bench/scale.py N={n}: {f} functions, {b} buckets, {g} security groups
app: {APP}
region: {REGION}
default_option: serverless

payload:
  backend: app/backend

params:
  fn_memory_mb: 128

stages:
  {STAGE}: {{}}
""")
    r = []
    r.append("  network:\n    type: ec2.default_vpc\n")
    r.append(
        "  fn_role:\n    type: iam.role\n    service: lambda.amazonaws.com\n    statements:\n"
        "      - actions: [logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents]\n"
        '        resources: ["arn:aws:logs:${region}:${account}:log-group:/aws/lambda/${app}-${stage}-*"]\n'
    )
    for i in range(f):
        mem = "${params.fn_memory_mb}" if i == 0 else "128"
        r.append(
            f"  fn{i}:\n    type: lambda.function\n    code: ${{payload.backend}}\n"
            f"    handler: handler.handler\n    memory_mb: {mem}\n    timeout_s: 10\n"
            f"    role: ${{fn_role.arn}}\n"
        )
        r.append(
            f"  every{i}:\n    type: events.schedule\n    schedule: cron({i % 60} 3 * * ? *)\n"
            f"    function: ${{fn{i}.arn}}\n"
        )
    routes = "".join(f'      "GET /fn{i}": ${{fn{i}.arn}}\n' for i in range(f))
    r.append(f"  api:\n    type: apigateway.http_api\n    routes:\n{routes}")
    for i in range(b):
        r.append(f"  bucket{i}:\n    type: s3.bucket\n")
    for i in range(g):
        r.append(
            f"  sg{i}:\n    type: ec2.security_group\n    vpc: ${{network.id}}\n"
            f"    description: scale group {i}\n    ingress:\n"
            f"      - {{ port: 443, cidr: 10.{i % 256}.0.0/16, description: HTTPS }}\n"
            f"      - {{ port: 8080, cidr: 10.{i % 256}.0.0/16, description: app }}\n"
        )
    with open(os.path.join(out, "stacks", "serverless.yaml"), "w") as y:
        y.write(f"# bench/scale.py N={n}\nresources:\n" + "\n".join(r))


TF_HEAD = """# bench/scale.py N=%(n)d: what fintech makes of stacks/serverless.yaml beside it, in Terraform.
terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

variable "endpoint" {
  type = string
}
variable "backend_zip" {
  type = string
}
# bench/run's knobs for the real stack, unused here.
variable "site_dir" {
  type    = string
  default = ""
}
variable "fn_memory_mb" {
  type    = number
  default = 128
}

provider "aws" {
  region                      = "%(region)s"
  access_key                  = "x"
  secret_key                  = "x"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  skip_requesting_account_id  = false
  s3_use_path_style           = true
  endpoints {
    apigatewayv2 = var.endpoint
    ec2          = var.endpoint
    events       = var.endpoint
    iam          = var.endpoint
    lambda       = var.endpoint
    s3           = var.endpoint
    sts          = var.endpoint
  }
  default_tags {
    tags = {
      "fintech:app"   = "%(app)s"
      "fintech:stage" = "%(stage)s"
    }
  }
}

locals {
  prefix = "%(app)s-%(stage)s"
}

data "aws_caller_identity" "current" {}

data "aws_vpc" "default" {
  default = true
}

resource "aws_iam_role" "fn_role" {
  name = "${local.prefix}-fn-role"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
  tags = { "fintech:id" = "fn_role" }
}

resource "aws_iam_role_policy" "fn_role" {
  name = "fintech"
  role = aws_iam_role.fn_role.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = ["arn:aws:logs:%(region)s:${data.aws_caller_identity.current.account_id}:log-group:/aws/lambda/${local.prefix}-*"]
    }]
  })
}

resource "aws_apigatewayv2_api" "api" {
  name          = "${local.prefix}-api"
  protocol_type = "HTTP"
  tags          = { "fintech:id" = "api" }
}

resource "aws_apigatewayv2_stage" "api" {
  api_id      = aws_apigatewayv2_api.api.id
  name        = "$default"
  auto_deploy = true
}
"""

TF_FUNCTION = """
resource "aws_lambda_function" "fn%(i)d" {
  function_name    = "${local.prefix}-fn%(i)d"
  filename         = var.backend_zip
  source_code_hash = filebase64sha256(var.backend_zip)
  handler          = "handler.handler"
  runtime          = "python3.12"
  architectures    = ["x86_64"]
  memory_size      = %(memory)s
  timeout          = 10
  role             = aws_iam_role.fn_role.arn
  tags             = { "fintech:id" = "fn%(i)d" }
  depends_on       = [aws_iam_role_policy.fn_role]
}

resource "aws_cloudwatch_event_rule" "every%(i)d" {
  name                = "${local.prefix}-every%(i)d"
  schedule_expression = "cron(%(minute)d 3 * * ? *)"
  tags                = { "fintech:id" = "every%(i)d" }
}

resource "aws_cloudwatch_event_target" "every%(i)d" {
  rule      = aws_cloudwatch_event_rule.every%(i)d.name
  target_id = "function"
  arn       = aws_lambda_function.fn%(i)d.arn
}

resource "aws_lambda_permission" "every%(i)d" {
  statement_id  = "${local.prefix}-every%(i)d"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn%(i)d.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.every%(i)d.arn
}

resource "aws_apigatewayv2_integration" "fn%(i)d" {
  api_id                 = aws_apigatewayv2_api.api.id
  integration_type       = "AWS_PROXY"
  integration_uri        = aws_lambda_function.fn%(i)d.arn
  payload_format_version = "2.0"
}

resource "aws_apigatewayv2_route" "fn%(i)d" {
  api_id    = aws_apigatewayv2_api.api.id
  route_key = "GET /fn%(i)d"
  target    = "integrations/${aws_apigatewayv2_integration.fn%(i)d.id}"
}

resource "aws_lambda_permission" "api%(i)d" {
  statement_id  = "${local.prefix}-api-${aws_apigatewayv2_api.api.id}"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.fn%(i)d.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.api.execution_arn}/*/*"
}
"""

TF_BUCKET = """
resource "aws_s3_bucket" "bucket%(i)d" {
  bucket = "${local.prefix}-bucket%(i)d-${data.aws_caller_identity.current.account_id}-%(region)s"
  tags   = { "fintech:id" = "bucket%(i)d" }
}

resource "aws_s3_bucket_public_access_block" "bucket%(i)d" {
  bucket                  = aws_s3_bucket.bucket%(i)d.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "bucket%(i)d" {
  bucket = aws_s3_bucket.bucket%(i)d.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "bucket%(i)d" {
  bucket = aws_s3_bucket.bucket%(i)d.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_policy" "bucket%(i)d" {
  bucket = aws_s3_bucket.bucket%(i)d.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.bucket%(i)d.arn, "${aws_s3_bucket.bucket%(i)d.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
  depends_on = [aws_s3_bucket_public_access_block.bucket%(i)d]
}

resource "aws_s3_bucket_lifecycle_configuration" "bucket%(i)d" {
  bucket = aws_s3_bucket.bucket%(i)d.id
  rule {
    id     = "fintech"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }
}
"""

TF_GROUP = """
resource "aws_security_group" "sg%(i)d" {
  name        = "${local.prefix}-sg%(i)d"
  description = "scale group %(i)d"
  vpc_id      = data.aws_vpc.default.id
  ingress {
    description = "HTTPS"
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.%(octet)d.0.0/16"]
  }
  ingress {
    description = "app"
    from_port   = 8080
    to_port     = 8080
    protocol    = "tcp"
    cidr_blocks = ["10.%(octet)d.0.0/16"]
  }
  egress {
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }
  tags = { "fintech:id" = "sg%(i)d" }
}
"""


def terraform(n, out):
    f, b, g = FUNCTIONS * n, BUCKETS * n, GROUPS * n
    os.makedirs(out, exist_ok=True)
    v = {"n": n, "app": APP, "stage": STAGE, "region": REGION}
    parts = [TF_HEAD % v]
    for i in range(f):
        memory = "var.fn_memory_mb" if i == 0 else "128"
        parts.append(TF_FUNCTION % {"i": i, "memory": memory, "minute": i % 60})
    for i in range(b):
        parts.append(TF_BUCKET % {"i": i, "region": REGION})
    for i in range(g):
        parts.append(TF_GROUP % {"i": i, "octet": i % 256})
    with open(os.path.join(out, "main.tf"), "w") as t:
        t.write("".join(parts))


def main():
    if len(sys.argv) != 3 or not sys.argv[1].isdigit() or int(sys.argv[1]) < 1:
        sys.exit(__doc__)
    n, out = int(sys.argv[1]), sys.argv[2]
    fintech(n, os.path.join(out, "fintech"))
    terraform(n, os.path.join(out, "terraform"))


if __name__ == "__main__":
    main()
