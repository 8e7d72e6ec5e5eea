"""Developer tools: template validation and OpenAPI generation."""
