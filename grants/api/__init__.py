"""The JSON API, versioned under /api/v1, described by an OpenAPI 3.1 document made from the code."""
