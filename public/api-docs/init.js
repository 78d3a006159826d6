// Starts Swagger UI on the OpenAPI document of this server. An external file, so the
// Content-Security-Policy needs no inline script; the assets are vendored from npm's
// swagger-ui-dist (see LICENSE), so the page works offline.
window.addEventListener('load', () => {
  window.ui = SwaggerUIBundle({
    url: '/api/v1/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    tryItOutEnabled: true,
  });
});
