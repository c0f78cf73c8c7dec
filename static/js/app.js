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

// Settings → Mail: show the password or the Microsoft 365 fields, as "Login with" says.
function showMailAuthFields() {
  const choice = document.querySelector('select[name="mail.imap_auth"]');
  if (!choice) return;
  const oauth = choice.value === "m365_oauth2";
  document.querySelectorAll('[data-setting^="mail.m365_"]').forEach((el) => { el.hidden = !oauth; });
  document.querySelectorAll('[data-setting="mail.imap_password"]').forEach((el) => { el.hidden = oauth; });
}
document.addEventListener("change", (event) => {
  if (event.target && event.target.name === "mail.imap_auth") showMailAuthFields();
});
document.addEventListener("DOMContentLoaded", showMailAuthFields);

window.backupchecks = { csrfToken };
