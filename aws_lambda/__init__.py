"""The AWS Lambda adapter: translates every way Lambda is invoked onto ``core.messages``.

``lambda_function.lambda_handler`` is the entry point; ``aws_lambda.events`` holds one small
module per event shape; ``aws_lambda.handler`` ties them to the core's service.
"""
