// The question editor (templates/quizzes/question_form.html) without round trips: add,
// remove and reorder choices in place, and show the correct-answer marks that fit the
// question type. Without this script the same buttons post the form and the server
// rearranges the rows (quizzes.views.edit_question), so nothing here is required.
(function () {
  "use strict";
  const form = document.getElementById("question-form");
  if (!form) return;
  const rows = document.getElementById("choice-rows");
  const template = document.getElementById("choice-row-template");
  const total = form.querySelector('input[name="choices-TOTAL_FORMS"]');
  const kind = form.querySelector('select[name="kind"]');
  const status = document.getElementById("choices-status");
  const addButton = document.getElementById("add-choice");
  const maxChoices = parseInt(form.dataset.maxChoices, 10) || 12;

  form.querySelectorAll(".js-hide").forEach((element) => { element.hidden = true; });

  function allRows() {
    return Array.from(rows.querySelectorAll("[data-choice-row]"));
  }

  function announce(text) {
    status.textContent = text;
  }

  // Give every row the names, ids and numbers of its place, as the server would.
  function renumber() {
    allRows().forEach((row, index) => {
      const text = row.querySelector('input[type="text"]');
      const checkbox = row.querySelector('input[type="checkbox"]');
      const radio = row.querySelector('input[type="radio"]');
      text.name = `choices-${index}-text`;
      text.id = `id_choices-${index}-text`;
      checkbox.name = `choices-${index}-is_correct`;
      checkbox.id = `id_choices-${index}-is_correct`;
      radio.value = String(index);
      radio.id = `id_correct_choice_${index}`;
      row.querySelector(".form-label").htmlFor = text.id;
      row.querySelector('[data-mark="multiple"] label').htmlFor = checkbox.id;
      row.querySelector('[data-mark="single"] label').htmlFor = radio.id;
      row.querySelectorAll("[data-choice-number]").forEach((number) => {
        number.textContent = String(index + 1);
      });
      const up = row.querySelector("[data-move-up]");
      up.value = `up:${index}`;
      up.disabled = index === 0;
      row.querySelector("[data-remove]").value = `remove:${index}`;
    });
    total.value = String(allRows().length);
    addButton.disabled = allRows().length >= maxChoices;
  }

  function showMarks() {
    const type = kind.value;
    document.getElementById("choices-fieldset").hidden = type === "true_false";
    document.getElementById("true-false-fieldset").hidden = type !== "true_false";
    allRows().forEach((row) => {
      const single = row.querySelector('[data-mark="single"]');
      const multiple = row.querySelector('[data-mark="multiple"]');
      const radio = single.querySelector("input");
      const checkbox = multiple.querySelector("input");
      if (type === "multiple" && single.hidden === false) checkbox.checked = radio.checked;
      if (type === "single" && multiple.hidden === false) radio.checked = checkbox.checked;
      single.hidden = type === "multiple";
      multiple.hidden = type !== "multiple";
    });
  }

  function addRow() {
    if (allRows().length >= maxChoices) return;
    const index = allRows().length;
    const html = template.innerHTML
      .replaceAll("__prefix__", String(index))
      .replaceAll("__number__", String(index + 1));
    rows.insertAdjacentHTML("beforeend", html);
    renumber();
    showMarks();
    const row = allRows()[index];
    row.querySelector('input[type="text"]').focus();
    announce(`Choice ${index + 1} added.`);
  }

  rows.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button || !rows.contains(button)) return;
    const row = button.closest("[data-choice-row]");
    const index = allRows().indexOf(row);
    if (button.hasAttribute("data-move-up")) {
      event.preventDefault();
      if (index < 1) return;
      rows.insertBefore(row, allRows()[index - 1]);
      renumber();
      const up = row.querySelector("[data-move-up]");
      (up.disabled ? row.querySelector("[data-remove]") : up).focus();
      announce(`Choice moved up: it is now choice ${index}.`);
    } else if (button.hasAttribute("data-remove")) {
      event.preventDefault();
      row.remove();
      renumber();
      const next = allRows()[Math.min(index, allRows().length - 1)];
      (next ? next.querySelector('input[type="text"]') : addButton).focus();
      announce(`Choice ${index + 1} removed.`);
    }
  });

  addButton.addEventListener("click", (event) => {
    event.preventDefault();
    addRow();
  });
  kind.addEventListener("change", showMarks);
  renumber();
})();
