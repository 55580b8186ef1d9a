// Behaviour shared by every page, wired by data- attributes (the Content-Security-Policy refuses
// inline handlers). Each page works without it; this only saves a click.
(function () {
  'use strict';

  // <select data-submit-on-change>: choosing an option submits its form (the language switch).
  document.addEventListener('change', function (event) {
    if (event.target.matches('select[data-submit-on-change]') && event.target.form) event.target.form.submit();
  });

  // <form data-confirm="question">: submitted only if the person confirms.
  document.addEventListener('submit', function (event) {
    var question = event.target.getAttribute('data-confirm');
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // <tbody data-grow="max">: a table of numbered lines (name-3-item) that keeps one empty line at its end,
  // adding the next as the last one is filled, up to max lines. Without it, saving offers more lines.
  document.addEventListener('input', function (event) {
    var body = event.target.closest('tbody[data-grow]');
    if (!body) return;
    var rows = body.querySelectorAll('tr'), last = rows[rows.length - 1];
    if (!last || rows.length >= parseInt(body.getAttribute('data-grow'), 10)) return;
    var filled = Array.prototype.some.call(last.querySelectorAll('input'), function (el) { return el.value !== ''; });
    if (!filled) return;
    var copy = last.cloneNode(true), pattern = /-(\d+)-/;
    copy.querySelectorAll('[name],[id]').forEach(function (el) {
      ['name', 'id'].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace(pattern, function (m, n) { return '-' + (parseInt(n, 10) + 1) + '-'; }));
      });
    });
    copy.querySelectorAll('input').forEach(function (el) { el.value = ''; el.classList.remove('is-invalid'); });
    copy.querySelectorAll('.invalid-feedback').forEach(function (el) { el.remove(); });
    body.appendChild(copy);
  });

  // <form data-scorecard>: the total (points × weight) as the evaluator types; the server counts it again.
  document.addEventListener('input', function (event) {
    var form = event.target.closest('form[data-scorecard]');
    if (!form) return;
    var total = 0, complete = true;
    form.querySelectorAll('input[data-weight]').forEach(function (el) {
      if (el.value === '') { complete = false; return; }
      total += parseInt(el.value, 10) * parseFloat(el.getAttribute('data-weight'));
    });
    var shown = form.querySelector('[data-total]');
    var language = document.documentElement.lang || undefined;
    if (shown) shown.textContent = complete ? total.toLocaleString(language, {minimumFractionDigits: 2, maximumFractionDigits: 2}) : '—';
  });

  // <select data-shows>: the parts of its form marked data-only-for="value …" show only while one of those values
  // is chosen (an informal group's members and patron). Without it every part shows, and the server checks.
  function showChosen(select) {
    select.form.querySelectorAll('[data-only-for]').forEach(function (part) {
      part.hidden = part.getAttribute('data-only-for').split(' ').indexOf(select.value) < 0;
      // What a hidden part holds is not sent: a cooperative never carries a group's members typed before.
      part.querySelectorAll('input, select, textarea').forEach(function (el) { el.disabled = part.hidden; });
    });
  }
  document.addEventListener('change', function (event) {
    if (event.target.matches('select[data-shows]')) showChosen(event.target);
  });
  document.querySelectorAll('select[data-shows]').forEach(showChosen);

  // <button data-confirm-submit="question">: that button submits its form only if the person confirms.
  document.addEventListener('click', function (event) {
    var button = event.target.closest('button[data-confirm-submit]');
    if (button && !window.confirm(button.getAttribute('data-confirm-submit'))) event.preventDefault();
  });
})();
