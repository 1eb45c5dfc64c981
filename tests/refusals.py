"""What a refused API call raises in gradio_client."""

from gradio_client.exceptions import AppError, ValidationError

# refused by the handler (AppError), or before the queue by the event's validator (ValidationError, HTTP 422): a
# number field out of its range, a prompt with an unknown word
REFUSED = (AppError, ValidationError)
