// Customers page: search Autotask companies as you type and map one with a click.
// Without this script the mapping box is a plain GET form answered by the server.
"use strict";

(function () {
  const DEBOUNCE_MS = 300; // wait for a pause in typing: every search costs an API call
  const MIN_CHARS = 2;

  function node(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text; // never innerHTML: names come from Autotask
    return el;
  }

  function csrf() {
    return window.backupchecks ? window.backupchecks.csrfToken() : "";
  }

  function setupMapper(root) {
    const form = root.querySelector(".mapper-form");
    const input = root.querySelector(".mapper-q");
    const status = root.querySelector(".mapper-status");
    const results = root.querySelector(".mapper-results");
    const suggestionBox = root.querySelector(".mapper-suggestion");
    let timer = null;
    let controller = null;
    let lastQuery = null;

    function clear() {
      results.replaceChildren();
      suggestionBox.replaceChildren();
    }

    function cleanQuery() {
      return input.value.trim().replace(/\s+/g, " ");
    }

    async function search(force) {
      const q = cleanQuery();
      if (q.length < MIN_CHARS) {
        if (controller) controller.abort();
        lastQuery = null;
        clear();
        status.textContent = q ? `Type at least ${MIN_CHARS} characters.` : "";
        return;
      }
      if (q === lastQuery && !force) return;
      lastQuery = q;
      if (controller) controller.abort(); // an older, slower answer must not win
      controller = new AbortController();
      const url = new URL(root.dataset.searchUrl, window.location.origin);
      url.searchParams.set("q", q);
      if (root.dataset.customerId) url.searchParams.set("customer", root.dataset.customerId);
      status.textContent = "Searching Autotask…";
      root.setAttribute("aria-busy", "true");
      try {
        const response = await fetch(url, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
          signal: controller.signal,
        });
        const data = await response.json().catch(() => ({}));
        if (!response.ok) {
          clear();
          status.textContent = data.error || `The search failed (HTTP ${response.status}).`;
          return;
        }
        render(q, data);
      } catch (err) {
        if (err.name === "AbortError") return;
        clear();
        status.textContent = "Backupchecks did not answer; check your connection and try again.";
      } finally {
        root.removeAttribute("aria-busy");
      }
    }

    function mapButton(company, label) {
      const button = node("button", "small map-company", label);
      button.type = "button";
      button.dataset.companyId = String(company.id);
      button.addEventListener("click", () => mapTo(company, button));
      return button;
    }

    function render(q, data) {
      clear();
      const companies = data.companies || [];
      status.textContent = companies.length
        ? `${companies.length} compan${companies.length === 1 ? "y" : "ies"} found (active first).`
        : `No Autotask company contains “${q}”.`;
      if (data.suggestion) {
        const p = node("p", "suggestion");
        p.append("Did you mean ", node("strong", "", data.suggestion.name), "? ");
        p.append(mapButton(data.suggestion, `Map to ${data.suggestion.name}`));
        suggestionBox.append(p);
      }
      for (const company of companies) {
        const li = node("li", company.active ? "" : "inactive");
        li.dataset.companyId = String(company.id);
        li.append(node("span", "company-name", company.name), " ");
        li.append(node("small", "muted", `#${company.id}${company.number ? " · " + company.number : ""}`), " ");
        if (company.active) {
          li.append(mapButton(company, "Map"));
        } else {
          li.append(node("span", "inactive-mark", "inactive in Autotask"));
        }
        results.append(li);
      }
    }

    async function mapTo(company, button) {
      if (!root.dataset.mapUrl) return;
      root.querySelectorAll("button.map-company").forEach((b) => { b.disabled = true; });
      status.textContent = `Mapping to ${company.name}…`;
      const body = new FormData();
      body.set("company_id", String(company.id));
      try {
        const response = await fetch(root.dataset.mapUrl, {
          method: "POST",
          body,
          credentials: "same-origin",
          headers: { Accept: "application/json", "X-CSRFToken": csrf() },
        });
        const data = await response.json().catch(() => ({}));
        if (response.ok) {
          // Reload without ?q=: the page shows the new mapping and its message.
          window.location.assign(window.location.pathname);
          return;
        }
        status.textContent = data.error || `Mapping failed (HTTP ${response.status}).`;
      } catch (err) {
        status.textContent = "Backupchecks did not answer; nothing was changed.";
      }
      root.querySelectorAll("button.map-company").forEach((b) => { b.disabled = false; });
      button.focus();
    }

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => search(false), DEBOUNCE_MS);
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearTimeout(timer);
      search(true);
    });

    // Used by the list page's dialog: point the box at another customer.
    root.openFor = function (customerId, mapUrl, query) {
      root.dataset.customerId = customerId;
      root.dataset.mapUrl = mapUrl;
      input.value = query || "";
      lastQuery = null;
      clear();
      status.textContent = "";
      input.focus();
      if (cleanQuery().length >= MIN_CHARS) search(true);
    };

    if (root.dataset.autosearch && cleanQuery().length >= MIN_CHARS) search(true);
  }

  function setupDialog() {
    const dialog = document.getElementById("map-dialog");
    if (!dialog || typeof dialog.showModal !== "function") return; // the links work without it
    const mapper = dialog.querySelector(".mapper");
    const title = dialog.querySelector(".map-customer");
    document.addEventListener("click", (event) => {
      const link = event.target.closest("a.map-open");
      if (link) {
        event.preventDefault();
        if (link.getAttribute("aria-disabled") === "true") return;
        title.textContent = link.dataset.customerName;
        dialog.showModal();
        mapper.openFor(link.dataset.customerId, link.dataset.mapUrl, link.dataset.suggestQ);
        return;
      }
      if (event.target.closest("[data-close-dialog]")) dialog.close();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".mapper").forEach(setupMapper);
    setupDialog();
  });
})();
