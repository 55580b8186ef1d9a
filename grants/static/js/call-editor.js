// The call editor: adding rows to the form's lists and showing a question's options only where they apply.
(function () {
  // Choice questions only: hide the options box of other types while it is empty.
  function syncOptions(row) {
    var kind = row.querySelector('[data-kind]'), box = row.querySelector('[data-options]');
    if (!kind || !box) return;
    var choice = kind.value === 'single_choice' || kind.value === 'multiple_choice';
    box.classList.toggle('d-none', !choice && !box.querySelector('textarea').value.trim());
  }
  document.querySelectorAll('[data-rows="questions"] [data-row]').forEach(syncOptions);
  document.addEventListener('change', function (event) {
    if (event.target.matches('[data-kind]')) syncOptions(event.target.closest('[data-row]'));
  });
  // "Add" clones the last row with the next index; the server ignores rows left empty.
  document.querySelectorAll('[data-add]').forEach(function (button) {
    button.addEventListener('click', function () {
      var name = button.getAttribute('data-add');
      var list = document.querySelector('[data-rows="' + name + '"]');
      var rows = list.querySelectorAll('[data-row]');
      var last = rows[rows.length - 1], copy = last.cloneNode(true);
      var pattern = new RegExp(name + '-(\\d+)-'), next = rows.length;
      rows.forEach(function (row) {
        var m = row.innerHTML.match(pattern);
        if (m) next = Math.max(next, parseInt(m[1], 10) + 1);
      });
      copy.querySelectorAll('[name],[id],[for]').forEach(function (el) {
        ['name', 'id', 'for'].forEach(function (attr) {
          if (el.hasAttribute(attr)) el.setAttribute(attr, el.getAttribute(attr).replace(pattern, name + '-' + next + '-'));
        });
      });
      copy.querySelectorAll('input[type=text], input[type=number], textarea').forEach(function (el) {
        if (!/-(weight|max_mb)$/.test(el.name)) el.value = '';
      });
      copy.querySelectorAll('input[type=checkbox]').forEach(function (el) {
        if (!/-required$/.test(el.name)) el.checked = false;
      });
      copy.querySelectorAll('.is-invalid').forEach(function (el) { el.classList.remove('is-invalid'); });
      copy.querySelectorAll('.invalid-feedback').forEach(function (el) { el.remove(); });
      copy.classList.remove('border-danger');
      copy.classList.add('row-blank');
      list.appendChild(copy);
      syncOptions(copy);
      var first = copy.querySelector('input[type=text]');
      if (first) first.focus();
    });
  });
})();
