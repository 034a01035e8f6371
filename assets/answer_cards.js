/*
 * The answer strip's cards, built in the browser from the data the server sends
 * (components/answer_strip.py `cards_data`, in the `data-cards` attribute of #answer-cards): no
 * Dash component per card, so a selection change or a page load costs the renderer no dispatch
 * and no React rendering for them (each Dash component rendered from a callback costs one
 * dispatch, and each dispatch runs every mounted component's selector: issue 13).
 *
 * The DOM is what the cards were as Dash components: the same tags, classes, ids (a dict id as
 * Dash writes it: its keys sorted, each value JSON), titles and aria attributes. Data text goes
 * in through textContent and setAttribute only, never as markup. React never gives the container
 * children, so it never touches these. Once built, the highlighted trial's card is marked
 * (assets/highlight.js); a card click is assets/answers.js.
 */
(function () {
  var CARDS = "answer-cards"; // ids.ANSWER_CARDS
  var ATTRIBUTE = "data-cards"; // components/answer_strip.py CARDS_DATA
  var TRIAL = "data-trial"; // the card's trial, read by assets/answers.js and assets/highlight.js

  function el(tag, className, children) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function fact(f) {
    // a number in words with its source as the title
    var span = el("span", f["class"], [String(f.text)]);
    span.setAttribute("title", String(f.source));
    return span;
  }

  function card(data) {
    var button = el("button", "answer-trial", [String(data.trial)]);
    button.setAttribute("title", "Highlight " + data.trial + " in every view");
    button.setAttribute("aria-pressed", "false");
    var parts = [el("h3", "answer-title", [button]), el("p", "answer-status", [fact(data.status)])];
    if (data.kind === "no-results") {
      parts.push(el("p", "answer-note", [String(data.note)]));
    } else {
      parts.push(el("p", "answer-headline", [el("strong", "", [String(data.headline)]), el("br"), fact(data.hazardRatio)]));
    }
    var details = [];
    if (data.medians) {
      var medians = [String(data.medians.heading), " "];
      data.medians.facts.forEach(function (m, k) {
        if (k) medians.push(" vs ");
        medians.push(fact(m));
      });
      details.push(el("p", "answer-medians", medians));
    }
    if (data.toxicity) {
      details.push(el("p", "answer-tox-heading", [String(data.toxicity.heading)]));
      details.push(el("ul", "answer-tox", data.toxicity.items.map(function (t) { return el("li", "", [fact(t)]); })));
    }
    if (details.length) {
      // always shown on wide screens; behind a disclosure on phones (assets/views.css)
      parts.push(el("details", "answer-details", [el("summary", "answer-more", [String(data.more)])].concat(details)));
    }
    var article = el("article", "answer-card answer-" + data.kind, parts);
    article.setAttribute(TRIAL, String(data.trial));
    return article;
  }

  function render(box) {
    var text = box.getAttribute(ATTRIBUTE);
    if (text === null) return;
    var strip;
    try { strip = JSON.parse(text); } catch (e) { return; }
    var nodes = strip.cards.length ? strip.cards.map(card) : [el("p", "answer-empty", [String(strip.empty)])];
    box.replaceChildren.apply(box, nodes);
    if (window.evidenceHighlight && window.evidenceHighlight.current()) window.evidenceHighlight.markCards();
  }

  function watch() {
    // the container comes with Dash's first render of the layout, after this script has run
    var box = document.getElementById(CARDS);
    if (!box || typeof MutationObserver !== "function") return void window.setTimeout(watch, 50);
    new MutationObserver(function () { render(box); }).observe(box, { attributes: true, attributeFilter: [ATTRIBUTE] });
    render(box); // data already there
  }
  watch();
})();
