// Small progressive enhancements; every page works without them.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// Ask before destructive actions: <form data-confirm="Delete this?">.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
    return;
  }
  // One click, one request: disable the buttons of a form once it is sent.
  if (form.dataset && form.dataset.once !== undefined) {
    form.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
  }
});

// "Select all" checkboxes for bulk actions: <input type=checkbox data-select-all="name">.
document.addEventListener("change", (event) => {
  const box = event.target;
  if (box.dataset && box.dataset.selectAll) {
    document.querySelectorAll(`input[name="${box.dataset.selectAll}"]`).forEach((b) => { b.checked = box.checked; });
  }
});

window.backupchecks = { csrfToken };
