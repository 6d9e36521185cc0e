// The module editor (templates/courses/editor/): unsaved changes are never lost silently,
// and the article's preview follows the typing. Loaded as a file: the site's
// Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  var FORMS = "form[data-editor-form]";

  function markDirty(event) {
    var form = event.target.closest(FORMS);
    if (form) {
      form.setAttribute("data-dirty", "1");
    }
  }

  document.addEventListener("input", markDirty);
  document.addEventListener("change", markDirty);

  // A form being sent is no longer "unsaved"; if the request fails it becomes so again,
  // and a form that comes back with errors is marked by its template (data-dirty).
  document.addEventListener("submit", function (event) {
    if (event.target.matches(FORMS)) {
      event.target.removeAttribute("data-dirty");
    }
  });
  ["htmx:responseError", "htmx:sendError"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      var form = event.target.closest ? event.target.closest(FORMS) : null;
      if (form) {
        form.setAttribute("data-dirty", "1");
      }
    });
  });

  window.addEventListener("beforeunload", function (event) {
    if (document.querySelector(FORMS + "[data-dirty]")) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // The live preview: the typed Markdown goes through the same sanitiser as the
  // learner's page (courses.rendering.render_markdown), 400 ms after the last key.
  var timer = null;
  function refreshPreview(textarea) {
    var preview = document.getElementById("article-preview");
    if (!preview) {
      return;
    }
    var form = textarea.closest("form");
    fetch(preview.getAttribute("data-preview-url"), {
      method: "POST",
      body: new FormData(form),
      headers: { "HX-Request": "true" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html !== null) {
          preview.innerHTML = html;
        }
      });
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches("textarea[name='article-body']")) {
      window.clearTimeout(timer);
      var textarea = event.target;
      timer = window.setTimeout(function () {
        refreshPreview(textarea);
      }, 400);
    }
  });

  // With JavaScript the preview is live, so the no-JavaScript "Preview" button goes.
  function hideNoJsButtons(root) {
    root.querySelectorAll("[data-no-js-only]").forEach(function (element) {
      element.hidden = true;
    });
  }
  hideNoJsButtons(document);
  document.addEventListener("htmx:afterSwap", function (event) {
    hideNoJsButtons(event.target.parentNode || document);
  });
})();
