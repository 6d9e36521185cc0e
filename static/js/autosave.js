// The attempt page saves each answer as it is chosen (htmx posts the question's inputs to
// quizzes:save_answer; see templates/quizzes/question_fieldset.html). The server answers
// with the question's status line. htmx swaps in only 2xx answers by itself: this file lets
// the server's refusals in too (400 a stale form, 401 logged out, 409 already submitted) and
// writes the line itself when no answer came (no connection) or an unexpected one did (a
// CSRF refusal after logging in elsewhere, a server error). The submit button still sends
// every answer on the page, so nothing chosen here is lost when a save fails.
(function () {
  "use strict";

  var SERVER_SAYS_WHY = [400, 401, 409];
  var OFFLINE = "Not saved — no connection. Your choice stays on this page and is sent when you submit.";
  var FAILED = "Not saved — reload the page to carry on; your earlier answers are kept.";

  // The fieldset that sent the request, when it is a question saving its answer.
  function answerSaver(detail) {
    var elt = detail.requestConfig && detail.requestConfig.elt;
    return elt && elt.hasAttribute("data-autosave") ? elt : null;
  }

  function say(detail, text) {
    var target = document.querySelector(answerSaver(detail).getAttribute("hx-target"));
    if (!target) {
      return;
    }
    var line = document.createElement("span");
    line.className = "text-danger fw-semibold";
    line.textContent = text;
    target.replaceChildren(line);
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (!answerSaver(detail)) {
      return;
    }
    var status = detail.xhr.status;
    if (SERVER_SAYS_WHY.indexOf(status) !== -1) {
      detail.shouldSwap = true;
      detail.isError = false;
    } else if (status >= 300) {
      detail.shouldSwap = false;
      say(detail, FAILED);
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    if (answerSaver(event.detail)) {
      say(event.detail, OFFLINE);
    }
  });

  var note = document.getElementById("autosave-note");
  if (note) {
    // Its space is kept while invisible: showing it shifts no question under a click.
    note.classList.remove("invisible");
  }
})();
