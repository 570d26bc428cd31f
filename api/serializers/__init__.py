"""Input and output shapes of the API, one module per area beside ``api/views/``.

Validation of types here, business rules in services; lengths, bounds and choices come
from the models (``model_fields``).
"""
