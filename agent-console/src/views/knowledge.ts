import {
  ARTICLE_STATUSES,
  UI_LANGUAGES,
  type Article,
  type ArticleContent,
  type ArticleList,
  type ArticleListQuery,
  type ArticleVersion,
  type Catalog,
  type FailingArticles,
  type UiLanguage,
} from '@etax-assist/protocol';
import { ApiError } from '../api.js';
import { button, el, relabel, tl } from '../dom.js';
import { errorText, formatDate, formatTime, i18next, t } from '../i18n.js';
import { filterChoice } from './filter-choice.js';
import { articleHistory, createArticle, failingArticles, listArticles, setArticlePublished, updateArticle } from './knowledge-api.js';
import { pagingRow, resultTable } from './result-table.js';

const PAGE = 20;

const EMPTY: ArticleContent = { topic: '', question: { zh: '', en: '' }, answer: { zh: '', en: '' }, links: [], keywords: [] };

/** A link as the form holds it, one a line: `url | 中文 | English`. */
const linkLine = (link: ArticleContent['links'][number]) => `${link.url} | ${link.label.zh} | ${link.label.en}`;

/** The fields of an article the history compares, with how each is read. */
const FIELDS: { id: string; text: (c: ArticleContent) => string }[] = [
  { id: 'topic', text: (c) => t(`topic.${c.topic}`, { defaultValue: c.topic }) },
  { id: 'questionZh', text: (c) => c.question.zh },
  { id: 'questionEn', text: (c) => c.question.en },
  { id: 'answerZh', text: (c) => c.answer.zh },
  { id: 'answerEn', text: (c) => c.answer.en },
  { id: 'keywords', text: (c) => c.keywords.join(', ') },
  { id: 'links', text: (c) => c.links.map(linkLine).join('\n') },
];

/**
 * The Knowledge view of supervisors and administrators (docs/knowledge.md): the articles that
 * most often did not answer, a search of the articles (text, topic, status) a page at a time, an
 * article's form (both languages, topic, keywords and synonyms, portal links), its preview as the
 * taxpayer's widget shows it, publish and unpublish, and its history (each version against the one before).
 */
export class KnowledgeView {
  readonly element: HTMLElement;
  readonly #search: HTMLFormElement;
  readonly #message = el('p', { className: 'records-message', role: 'status' });
  readonly #failing = el('div', { className: 'knowledge-failing' });
  readonly #results = el('div', { className: 'records-results' });
  readonly #editor = el('div', { className: 'knowledge-editor-host' });
  #query: ArticleListQuery = { limit: PAGE };
  #cursors: (string | undefined)[] = [];
  #page: ArticleList | undefined;
  #failingList: FailingArticles | undefined;
  /** The article being edited (undefined with the editor open: a new one), its history, the preview's language. */
  #editing: { article: Article | undefined; versions: ArticleVersion[]; preview: UiLanguage | undefined } | undefined;

  constructor(
    /** A current token for each call (a provider sign-in's is renewed). */
    private readonly token: () => string | Promise<string>,
    private readonly catalog: Pick<Catalog, 'topics'>,
  ) {
    this.#search = this.#searchForm();
    this.element = el('section', { className: 'records knowledge' }, this.#failing, this.#search, this.#message, this.#results, this.#editor);
    void this.#show(undefined);
    void this.#loadFailing();
  }

  #topicOptions() {
    return this.catalog.topics.map((c) => ({ value: c.id, label: `topic.${c.id}` }));
  }

  #searchForm(): HTMLFormElement {
    return el(
      'form',
      { className: 'records-search', onsubmit: (event: SubmitEvent) => (event.preventDefault(), void this.#find()) },
      el('label', {}, el('span', { text: tl('knowledge.q') }), el('input', { name: 'q', maxLength: 200, type: 'search' })),
      filterChoice('topic', 'records.topic', this.#topicOptions()),
      filterChoice(
        'status',
        'knowledge.status',
        ARTICLE_STATUSES.map((s) => ({ value: s, label: `knowledge.statuses.${s}` })),
      ),
      el('button', { type: 'submit', className: 'primary', text: tl('records.search') }),
      el('button', { type: 'button', text: tl('knowledge.new'), dataset: { action: 'new-article' }, onclick: () => void this.#edit(undefined) }),
    );
  }

  async #find(): Promise<void> {
    const form = new FormData(this.#search);
    // the form's fields are inputs and selects: their entries are strings
    const field = (name: string) => ((form.get(name) as string | null) ?? '').trim();
    const query: ArticleListQuery = { limit: PAGE };
    if (field('q')) query.q = field('q');
    if (field('topic')) query.topic = field('topic');
    if (field('status')) query.status = field('status') as ArticleListQuery['status'];
    this.#query = query;
    this.#cursors = [];
    await this.#show(undefined);
  }

  async #show(cursor: string | undefined): Promise<void> {
    try {
      this.#page = await listArticles(await this.token(), cursor ? { ...this.#query, cursor } : this.#query);
      this.#cursors.push(cursor);
      this.#say('');
      this.#renderResults();
    } catch (error) {
      this.#fail(error);
    }
  }

  async #loadFailing(): Promise<void> {
    try {
      this.#failingList = await failingArticles(await this.token());
      this.#renderFailing();
    } catch (error) {
      this.#fail(error);
    }
  }

  async #refresh(): Promise<void> {
    await this.#show(this.#cursors.pop());
  }

  async #previous(): Promise<void> {
    this.#cursors.pop();
    await this.#show(this.#cursors.pop());
  }

  #fail(error: unknown): void {
    this.#say(error instanceof ApiError ? errorText(error.code, error.message) : String(error));
  }

  #say(message: string, done = false): void {
    this.#message.textContent = message;
    this.#message.classList.toggle('done', done);
  }

  get #lang(): UiLanguage {
    return i18next.language === 'en' ? 'en' : 'zh';
  }

  #renderFailing(): void {
    const list = this.#failingList;
    if (!list) return;
    const lang = this.#lang;
    this.#failing.replaceChildren(
      el('h2', { textContent: t('knowledge.failing') }),
      resultTable(
        'knowledge-failing-table',
        [t('knowledge.question'), t('records.topic'), t('knowledge.stillNeedPerson'), t('knowledge.answered')],
        list.articles.map((a) => ({
          dataset: { article: a.articleId },
          cells: [a.question[lang], t(`topic.${a.topic}`, { defaultValue: a.topic }), String(a.stillNeedPerson), String(a.answered)],
        })),
        t('knowledge.noFailing'),
      ),
    );
  }

  #renderResults(): void {
    const page = this.#page;
    if (!page) return;
    const lang = this.#lang;
    const head = [t('knowledge.question'), t('records.topic'), t('knowledge.status'), t('knowledge.version'), t('knowledge.updated'), ''];
    this.#results.replaceChildren(
      resultTable(
        'knowledge-table',
        head,
        page.articles.map((a) => ({
          dataset: { article: a.id },
          className: a.status === 'published' ? '' : 'inactive',
          cells: [
            a.question[lang],
            t(`topic.${a.topic}`, { defaultValue: a.topic }),
            t(`knowledge.statuses.${a.status}`),
            String(a.version),
            `${formatDate(a.updatedAt)} ${formatTime(a.updatedAt)} · ${a.updatedBy}`,
            el(
              'div',
              { className: 'row staff-actions' },
              button(t('knowledge.edit'), () => void this.#edit(a)),
              button(
                a.status === 'published' ? t('knowledge.unpublish') : t('knowledge.publish'),
                () => void this.#setPublished(a, a.status !== 'published'),
                a.status === 'published' ? 'danger' : 'primary',
              ),
            ),
          ],
        })),
        t('knowledge.none'),
      ),
      pagingRow(this.#cursors.length, () => void this.#previous(), page.next ? () => void this.#show(page.next) : undefined),
    );
  }

  async #setPublished(article: Article, published: boolean): Promise<void> {
    try {
      const changed = await setArticlePublished(await this.token(), article.id, published);
      await this.#refresh();
      if (this.#editing?.article?.id === article.id) await this.#edit(changed);
      this.#say(t(published ? 'knowledge.publishedDone' : 'knowledge.unpublishedDone'), true);
    } catch (error) {
      this.#fail(error);
    }
  }

  async #edit(article: Article | undefined): Promise<void> {
    this.#editing = { article, versions: [], preview: undefined };
    if (article) {
      try {
        this.#editing.versions = (await articleHistory(await this.token(), article.id)).versions;
      } catch (error) {
        this.#fail(error);
      }
    }
    this.#renderEditor();
    this.#editor.scrollIntoView({ block: 'start' });
  }

  #renderEditor(): void {
    const editing = this.#editing;
    if (!editing) return void this.#editor.replaceChildren();
    const a = editing.article ?? { ...EMPTY, topic: this.catalog.topics[0]?.id ?? '' };
    const field = (label: string, control: HTMLElement) => el('label', {}, el('span', { text: tl(label) }), control);
    const text = (name: string, value: string, rows = 0) =>
      rows > 0 ? el('textarea', { name, value, rows, required: true }) : el('input', { name, value, required: true, maxLength: 500 });
    const form = el(
      'form',
      { className: 'staff-form knowledge-form', onsubmit: (event: SubmitEvent) => (event.preventDefault(), void this.#save(form)) },
      el('h2', { textContent: editing.article ? t('knowledge.editing', { id: editing.article.id, version: editing.article.version }) : t('knowledge.new') }),
      el(
        'div',
        { className: 'knowledge-fields' },
        field(
          'records.topic',
          el('select', { name: 'topic' }, ...this.catalog.topics.map((c) => el('option', { value: c.id, text: tl(`topic.${c.id}`), selected: c.id === a.topic }))),
        ),
        field('knowledge.questionZh', text('questionZh', a.question.zh)),
        field('knowledge.questionEn', text('questionEn', a.question.en)),
        field('knowledge.answerZh', text('answerZh', a.answer.zh, 5)),
        field('knowledge.answerEn', text('answerEn', a.answer.en, 5)),
        field('knowledge.keywords', el('input', { name: 'keywords', value: a.keywords.join(', ') })),
        field('knowledge.links', el('textarea', { name: 'links', value: a.links.map(linkLine).join('\n'), rows: 2 })),
      ),
      el(
        'div',
        { className: 'row' },
        el('button', { type: 'submit', className: 'primary', text: tl('knowledge.save') }),
        ...UI_LANGUAGES.map((lang) => button(tl(`knowledge.preview.${lang}`), () => this.#preview(form, lang))),
        button(tl('staff.cancel'), () => ((this.#editing = undefined), this.#renderEditor())),
      ),
    );
    const preview = editing.preview ? this.#previewOf(this.#formContent(form), editing.preview) : undefined;
    this.#editor.replaceChildren(el('div', { className: 'record-detail knowledge-editor' }, form, preview, editing.article ? this.#history(editing.versions) : undefined));
  }

  #preview(form: HTMLFormElement, lang: UiLanguage): void {
    const editing = this.#editing;
    if (!editing) return;
    // the form as typed so far, not as saved
    const preview = this.#previewOf(this.#formContent(form), lang);
    editing.preview = lang;
    this.#editor.querySelector('.knowledge-preview')?.remove();
    form.after(preview);
  }

  /** The article as the taxpayer's widget shows an answer (answers-panel.ts), in one language. */
  #previewOf(content: ArticleContent, lang: UiLanguage): HTMLElement {
    const strings = { zh: { answered: '已解决我的问题', needPerson: '我仍需要人工帮助' }, en: { answered: 'This answered my question', needPerson: 'I still need a person' } }[
      lang
    ];
    return el(
      'section',
      { className: 'knowledge-preview', lang, label: tl(`knowledge.preview.${lang}`) },
      el('h3', { text: tl(`knowledge.preview.${lang}`) }),
      el(
        'details',
        { className: 'answer', open: true },
        el('summary', { textContent: content.question[lang] }),
        el('p', { textContent: content.answer[lang] }),
        content.links.length > 0 ? el('nav', {}, ...content.links.map((l) => el('a', { href: l.url, textContent: l.label[lang] }))) : undefined,
        el(
          'div',
          { className: 'row' },
          el('button', { type: 'button', className: 'primary', textContent: strings.answered }),
          el('button', { type: 'button', textContent: strings.needPerson }),
        ),
      ),
    );
  }

  #formContent(form: HTMLFormElement): ArticleContent {
    const data = new FormData(form);
    // the form's fields are inputs, textareas and selects: their entries are strings
    const text = (name: string) => ((data.get(name) as string | null) ?? '').trim();
    return {
      topic: text('topic'),
      question: { zh: text('questionZh'), en: text('questionEn') },
      answer: { zh: text('answerZh'), en: text('answerEn') },
      keywords: [
        ...new Set(
          text('keywords')
            .split(/[,，、]/)
            .map((k) => k.trim())
            .filter(Boolean),
        ),
      ],
      links: text('links')
        .split('\n')
        .map((line) => line.split('|').map((part) => part.trim()))
        .filter((parts) => parts[0])
        .map(([url = '', zh = '', en = '']) => ({ url, label: { zh: zh || url, en: en || zh || url } })),
    };
  }

  async #save(form: HTMLFormElement): Promise<void> {
    const content = this.#formContent(form);
    const editing = this.#editing;
    try {
      const saved = editing?.article ? await updateArticle(await this.token(), editing.article.id, content) : await createArticle(await this.token(), content);
      await this.#refresh();
      await this.#edit(saved);
      this.#say(t('knowledge.saved', { id: saved.id, version: saved.version }), true);
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Each version, newest first, with what it changed against the one before. */
  #history(versions: ArticleVersion[]): HTMLElement {
    return el(
      'div',
      { className: 'staff-history knowledge-history' },
      el('h3', { textContent: t('knowledge.history') }),
      el(
        'ul',
        { className: 'record-chat' },
        ...versions.map((v, i) => {
          const before = versions[i + 1]?.content;
          const changed = before ? FIELDS.filter((f) => f.text(before) !== f.text(v.content)) : [];
          return el(
            'li',
            { dataset: { kind: v.kind, version: String(v.version) } },
            el('span', { className: 'from', textContent: `v${v.version} · ${formatDate(v.at)} ${formatTime(v.at)} · ${v.by} · ${t(`knowledge.kind.${v.kind}`)}` }),
            ...changed.map((f) =>
              el(
                'span',
                { className: 'diff' },
                el('strong', { textContent: `${t(`knowledge.field.${f.id}`)}: ` }),
                el('del', { textContent: before ? f.text(before) || '—' : '—' }),
                ' → ',
                el('ins', { textContent: f.text(v.content) || '—' }),
              ),
            ),
          );
        }),
      ),
    );
  }

  /** The language switched: the form relabelled, the lists and the editor composed again. */
  relabel(): void {
    relabel(this.#search);
    this.#renderFailing();
    this.#renderResults();
    this.#renderEditor();
  }
}
