// Starts Swagger UI on this server's own OpenAPI document. A file, not an inline script: the
// page's CSP allows scripts from this server only.
/* global window, document, SwaggerUIBundle */
window.addEventListener('DOMContentLoaded', () => {
  const root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: root.dataset.document,
    dom_id: '#swagger-ui',
    deepLinking: true,
    // Offline and private: no call to the public validator service.
    validatorUrl: null,
    // Staff paste their token once (Authorize); it lives in this tab only, never in a URL.
    persistAuthorization: false,
    tryItOutEnabled: false,
  });
});
