"""Lambda's entry point (handler `lambda_handler.handler`): the FastAPI app through Mangum."""

from mangum import Mangum

from app.main import app

handler = Mangum(app, lifespan="off")
