import { html } from 'hono/html';
import { translator } from '../../src/i18n/catalogue.ts';
import { LANGUAGE_NAMES, LANGUAGES } from '../../src/i18n/languages.ts';
import { CATEGORIES } from '../../src/vocabulary.ts';
import { layout, type Markup, type PageContext } from './layout.ts';

const DEFAULT_KEYS = {
  prisoner: 'family:defaultPrisoner',
  deceased: 'family:defaultDeceased',
  unknown: 'family:defaultUnknown',
} as const;

/**
 * The family's catalogue for the message box (DESIGN §15): each language's name and its default
 * sentence per category, so the console pre-fills the family's own sentence whatever language
 * the verifier reads. JSON in a data attribute (escaped by hono/html; nothing executed).
 */
function familyWords(): string {
  return JSON.stringify(
    Object.fromEntries(
      LANGUAGES.map((lang) => {
        const t = translator(lang);
        return [
          lang,
          { name: LANGUAGE_NAMES[lang], defaults: Object.fromEntries(CATEGORIES.map((c) => [c, t(DEFAULT_KEYS[c])])) },
        ];
      }),
    ),
  );
}
import { signInSection } from './signin.ts';

/**
 * `/review`: the verifier console (issue 13). One case at a time: the family's photos and words,
 * its candidates best first; the pair of faces with Confirm / Reject / Unsure beside them, so
 * they are in view without scrolling at 1280 × 800; everything else below. Texts are in the
 * `review` namespace; the script (assets/review.js) formats the rest in the reader's language.
 */
export function reviewPage(o: { ui: PageContext; confirmations: number; rejections: number }): Markup {
  const t = (key: string, vars?: Record<string, unknown>) => o.ui.t(`review:${key}`, vars);
  return layout({
    ui: o.ui,
    title: t('title'),
    script: 'review.js',
    messages: ['review', 'records', 'cases'],
    staff: true,
    body: html`
<link rel="stylesheet" href="/assets/review.css">
<h1 class="review-title">${t('heading')}</h1>
${signInSection({
  what: 'verifier',
  intro: t('signinIntro'),
  texts: { heading: t('signinHeading'), kept: t('signinKept'), label: t('signinLabel'), button: t('signinButton') },
})}

<section id="console" aria-label="${t('consoleLabel')}" hidden data-confirmations="${o.confirmations}" data-rejections="${o.rejections}">
  <div class="toolbar review-toolbar">
    <p id="my-day" class="my-day"></p>
    <p id="queue-status" role="status" aria-live="polite"></p>
    <div class="actions">
      <button id="reload" class="button secondary small" type="button">${t('reload')}</button>
      <button id="sign-out" class="button secondary small" type="button">${t('signOut')}</button>
    </div>
  </div>
  <details id="find-case" class="find-case">
    <summary>${o.ui.t('cases:heading')}</summary>
    <p class="hint">${o.ui.t('cases:intro')}</p>
    <div id="case-finder"></div>
  </details>
  <p id="decision-status" class="status decision-status" role="status" aria-live="assertive"></p>
  <p id="empty" class="notice" hidden tabindex="-1"></p>
  <div class="review-layout">
    <nav class="queue" aria-labelledby="queue-heading">
      <h2 class="small-heading" id="queue-heading">${t('queueHeading')}</h2>
      <div id="queue"></div>
      <button id="more" class="button secondary small" type="button" hidden>${t('more')}</button>
    </nav>
    <article id="item" aria-labelledby="item-heading" hidden>
      <h2 id="item-heading" tabindex="-1"></h2>
      <p id="case-note" class="notice" hidden></p>
      <p id="case-related" class="notice" hidden></p>
      <p id="held" class="notice" hidden>${t('held')}</p>
      <div class="review-top">
        <div class="review-left">
        <div class="pair" id="face-pair">
          <figure>
            <div class="crop"><img id="ref-crop" alt="${t('refCropAlt')}"><p class="no-face" hidden>${t('noRefPhoto')}</p></div>
            <figcaption>${t('refCaption')}</figcaption>
          </figure>
          <figure>
            <div class="crop"><img id="cand-crop" alt="${t('candCropAlt')}"><p class="no-face" hidden>${t('noFace')}</p></div>
            <figcaption>${t('candCaption')}</figcaption>
          </figure>
        </div>
        <section class="case-panel" aria-labelledby="subject-heading">
          <h3 id="subject-heading">${t('caseTold')}</h3>
          <dl id="subject-figures" class="figures"></dl>
          <h3 id="refs-heading">${t('caseRefs')}</h3>
          <ul id="case-refs" class="ref-strip" aria-labelledby="refs-heading"></ul>
          <button id="weaker" class="button secondary small" type="button">${t('weaker')}</button>
          <p id="weaker-status" class="hint" role="status"></p>
        </section>
        </div>
        <section class="decide" aria-labelledby="decide-heading">
          <h3 id="decide-heading" class="visually-hidden">${t('decideHeading')}</h3>
          <div class="decide-buttons">
            <button id="confirm" class="button primary" type="button" aria-keyshortcuts="c">${t('confirm')} <kbd>c</kbd></button>
            <button id="reject" class="button danger" type="button" aria-keyshortcuts="r">${t('reject')} <kbd>r</kbd></button>
            <button id="unsure" class="button secondary" type="button" aria-keyshortcuts="u">${t('unsure')} <kbd>u</kbd></button>
          </div>
          <div class="move-buttons">
            <button id="skip" class="button secondary small" type="button" aria-keyshortcuts="s">${t('skip')} <kbd>s</kbd></button>
            <button id="prev" class="button secondary small" type="button" aria-keyshortcuts="k">${t('prev')} <kbd>k</kbd></button>
            <button id="next" class="button secondary small" type="button" aria-keyshortcuts="j">${t('next')} <kbd>j</kbd></button>
            <button id="undo" class="button secondary small" type="button" aria-keyshortcuts="z" hidden>${t('undo')} <kbd>z</kbd></button>
          </div>
          <div id="mine" class="mine" hidden></div>
          <label for="note" id="note-label">${t('noteLabel')}</label>
          <textarea id="note" rows="2" maxlength="2000"></textarea>
          <div id="family-field" data-family-words="${familyWords()}">
            <label for="family-message">${t('familyLabel')}</label>
            <p id="family-lang" class="family-lang" aria-live="polite"></p>
            <textarea id="family-message" rows="3" maxlength="2000" aria-describedby="family-lang family-hint"></textarea>
            <p id="family-hint" class="hint">${t('familyHint')}</p>
          </div>
          <p class="hint" id="keys-hint">${t('keysHint')}</p>
          <p class="hint" id="rules-hint">${t('rulesHint', { confirmations: o.confirmations, rejections: o.rejections })}</p>
        </section>
      </div>
      <section id="others-section" aria-labelledby="others-heading" hidden>
        <h3 id="others-heading">${t('others')}</h3>
        <ul id="others" class="others"></ul>
      </section>
      <div class="facts-grid">
        <section aria-labelledby="match-heading">
          <h3 id="match-heading">${t('matchHeading')}</h3>
          <dl id="match-figures" class="figures"></dl>
        </section>
        <section id="quality-section" aria-labelledby="quality-heading">
          <h3 id="quality-heading">${t('qualityHeading')}</h3>
          <dl id="quality-figures" class="figures"></dl>
        </section>
        <section aria-labelledby="record-heading">
          <h3 id="record-heading">${t('recordHeading')}</h3>
          <dl id="record-figures" class="figures"></dl>
        </section>
      </div>
      <section id="person-section" aria-labelledby="person-heading">
        <h3 id="person-heading">${t('personHeading')}</h3>
        <p id="person-status" class="hint"></p>
        <p id="person-count" class="hint"></p>
        <ul id="person-photos" class="person-photos"></ul>
      </section>
      <div class="wholes">
      <section aria-labelledby="whole-heading">
        <h3 id="whole-heading">${t('wholeHeading')}</h3>
        <p class="hint">${t('wholeHint')}</p>
        <div class="whole blurred" id="whole">
          <img id="whole-img" alt="${t('wholeAlt')}">
          <div id="whole-box" class="face-box" hidden></div>
        </div>
        <button id="reveal" class="button secondary small" type="button" aria-pressed="false" aria-controls="whole">${t('reveal')}</button>
      </section>
      <section id="ref-whole-section" aria-labelledby="ref-whole-heading">
        <h3 id="ref-whole-heading">${t('refWholeHeading')}</h3>
        <p class="hint">${t('refWholeHint')}</p>
        <div class="whole" id="ref-whole">
          <img id="ref-whole-img" alt="${t('refWholeAlt')}">
          <div id="ref-whole-box" class="face-box" hidden></div>
        </div>
      </section>
      </div>
    </article>
  </div>
</section>
`,
  });
}
