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
})();
