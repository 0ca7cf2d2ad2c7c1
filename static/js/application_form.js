/* The application form: add and remove rows of the indicator and IP tables. Rows are plain inputs with one
   name per column, so the server reads them as parallel lists; every change is announced with a "change"
   event on the form so that the htmx autosave picks it up. */
(function () {
  "use strict";

  function announce(el) {
    var form = el.closest("form");
    if (form) {
      form.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var body = document.getElementById(add.getAttribute("data-add-row"));
      var template = document.getElementById(add.getAttribute("data-template"));
      if (body && template) {
        var row = template.content.firstElementChild.cloneNode(true);
        body.appendChild(row);
        var first = row.querySelector("input");
        if (first) { first.focus(); }
      }
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var tr = remove.closest("tr");
      var tbody = tr && tr.parentElement;
      if (!tr || !tbody) { return; }
      if (tbody.children.length > 1) {
        tr.remove();
      } else {
        tr.querySelectorAll("input").forEach(function (input) { input.value = ""; });
      }
      announce(tbody);
    }
  });

  // The equipment form only applies to equipment: disabled (so not sent) for the other categories.
  function syncEquipmentForm() {
    var category = document.querySelector('#application-form select[name="category"]');
    var form = document.querySelector('#application-form select[name="equipment_form"]');
    if (category && form) {
      form.disabled = category.value !== "" && category.value !== "equipment";
    }
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches('#application-form select[name="category"]')) {
      syncEquipmentForm();
    }
  });
  document.addEventListener("DOMContentLoaded", syncEquipmentForm);
})();
