/**
 * The "Production checklist" sidebar and the status-bar count: React views of the model.
 */
import { caretDownIcon, caretRightIcon, LabIcon, ReactWidget, refreshIcon, UseSignal } from '@jupyterlab/ui-components';
import React from 'react';

import type { ExportReport, RuleInfo, Severity } from './api';
import { FindingRow, InlineCode } from './findingrow';
import { ChecklistModel, GroupId, IEntryGroup, INotebookHandle, INotebookView, SEVERITIES, UNDO_HINT } from './model';
import type { RerunModel } from './rerun';
import { RerunSection, type IRerunActions } from './rerunview';

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M9 2h6a1 1 0 0 1 1 1v1h2a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2h2V3a1 1 0 0 1 1-1zm1 2v2h4V4h-4zM6 6v14h12V6h-2v2H8V6H6z"/>
    <path d="M10.3 16.7 7.6 14l1.4-1.4 1.3 1.3 4.7-4.7 1.4 1.4-6.1 6.1z"/>
  </g>
</svg>`;

export const checklistIcon = new LabIcon({ name: 'nbprod:checklist', svgstr: ICON_SVG });

export interface IPanelActions extends IRerunActions {
  check(): void;
  /** Apply every safe fix of the active notebook. */
  fixAllSafe(): void;
}

export class ChecklistPanel extends ReactWidget {
  /** One object for the panel's life, so memoised rows and groups see equal props. */
  private readonly _controls: IControls;

  constructor(
    private readonly _model: ChecklistModel,
    private readonly _rerun: RerunModel,
    actions: IPanelActions
  ) {
    super();
    this.id = 'nbprod-checklist';
    this.addClass('nbprod-panel');
    this.title.icon = checklistIcon;
    this.title.caption = 'Production checklist';
    this._controls = {
      reveal: finding => actions.reveal(finding),
      fix: finding => actions.fix(finding),
      fixAllSafe: () => actions.fixAllSafe(),
      check: () => actions.check(),
      rerun: () => actions.rerun(),
      cancelRerun: () => actions.cancelRerun(),
      toggleGroup: id => _model.toggleGroup(id),
      setSeverityShown: (severity, shown) => _model.setSeverityShown(severity, shown)
    };
  }

  render(): JSX.Element {
    const model = this._model;
    const controls = this._controls;
    return (
      <UseSignal
        signal={model.changed}
        // another notebook's re-check does not concern the sidebar
        shouldUpdate={(_, handle) => handle === null || handle === model.active}
      >
        {() => (
          <Checklist
            view={model.view()}
            handle={model.active}
            rerun={this._rerun}
            rules={model.rules}
            controls={controls}
          />
        )}
      </UseSignal>
    );
  }
}

/** The panel's own controls on top of the actions the plugin provides. */
interface IControls extends IPanelActions {
  toggleGroup(id: GroupId): void;
  setSeverityShown(severity: Severity, shown: boolean): void;
}

type Rules = ReadonlyMap<string, RuleInfo>;

const STATUS_TEXT: Record<INotebookView['status'], string> = {
  loading: 'checking…',
  idle: '',
  scheduled: 'editing…',
  checking: 'checking…',
  done: 'up to date',
  error: 'check failed'
};

const SEVERITY_LABEL: Record<Severity, [string, string]> = {
  error: ['error', 'errors'],
  warning: ['warning', 'warnings'],
  info: ['info', 'info']
};

function plural(n: number, [one, many]: [string, string]): string {
  return `${n} ${n === 1 ? one : many}`;
}

function Checklist({
  view,
  handle,
  rerun,
  rules,
  controls
}: {
  view: INotebookView | null;
  handle: INotebookHandle | null;
  rerun: RerunModel;
  rules: Rules;
  controls: IControls;
}) {
  return (
    <div
      className="nbprod-checklist"
      data-revision={view?.revision ?? 0}
      data-status={view?.status ?? 'none'}
      data-loaded={view?.loaded ? 'true' : 'false'}
    >
      <header className="nbprod-header">
        <h2>Production checklist</h2>
        <button
          className="nbprod-check-button jp-Button jp-mod-minimal"
          title="Check notebook now"
          aria-label="Check notebook now"
          disabled={view === null}
          onClick={() => controls.check()}
        >
          <refreshIcon.react tag="span" />
        </button>
      </header>
      {view === null || handle === null ? (
        <p className="nbprod-empty">Open a notebook to see its production checklist.</p>
      ) : (
        <NotebookChecklist view={view} rules={rules} controls={controls}>
          <RerunSection handle={handle} rerun={rerun} rules={rules} actions={controls} />
        </NotebookChecklist>
      )}
    </div>
  );
}

/** `children`: the fresh-kernel run, shown under the notebook's name, above the checks. */
function NotebookChecklist({
  view,
  rules,
  controls,
  children
}: {
  view: INotebookView;
  rules: Rules;
  controls: IControls;
  children: React.ReactNode;
}) {
  const { executed, stale, deletedAfterRun } = view.session;
  return (
    <>
      <div className="nbprod-summary">
        <span className="nbprod-path" title={view.path}>
          {view.path.split('/').pop()}
        </span>
        <span className="nbprod-status">{STATUS_TEXT[view.status]}</span>
      </div>
      {children}
      {!view.loaded ? (
        // nothing until the first result for this notebook: no count from a half-loaded notebook
        <div className="nbprod-checking" role="status">
          Checking the notebook…
        </div>
      ) : (
        <>
          <div className="nbprod-toolbar">
            <div className="nbprod-total" data-total={view.total} data-shown={view.shown}>
              {view.total === 0
                ? 'No findings'
                : plural(view.total, ['finding', 'findings']) +
                  (view.shown < view.total ? ` (${view.total - view.shown} hidden)` : '')}
            </div>
            <SeverityFilter view={view} controls={controls} />
          </div>
          {view.safeFixes > 0 && (
            <button
              className="nbprod-fix-all"
              title={`Apply every safe fix to the notebook (${UNDO_HINT})`}
              onClick={() => controls.fixAllSafe()}
            >
              Fix all safe ({view.safeFixes})
            </button>
          )}
          {view.fixNote !== null && (
            <div className="nbprod-fix-note" data-kind={view.fixNote.kind} role="status">
              <InlineCode text={view.fixNote.text} />
            </div>
          )}
          {view.error !== null && <div className="nbprod-error">Could not check: {view.error}</div>}
          {view.fileErrors.map(message => (
            <div className="nbprod-error" key={message}>
              {message}
            </div>
          ))}
          {view.skipped !== null && <div className="nbprod-skipped">Not checked: {view.skipped}</div>}
          {view.groups.map(group => (
            <GroupSection key={group.id} group={group} rules={rules} controls={controls} />
          ))}
        </>
      )}
      <div className="nbprod-session" title="What the running kernel holds, tracked since it started">
        {executed === 0
          ? 'Kernel session: no cells run yet'
          : `Kernel session: ${executed} cell${executed === 1 ? '' : 's'} run` +
            (stale > 0 ? ` · ${stale} edited since` : '') +
            (deletedAfterRun > 0 ? ` · ${deletedAfterRun} deleted after running` : '')}
      </div>
    </>
  );
}

function SeverityFilter({ view, controls }: { view: INotebookView; controls: IControls }) {
  return (
    <div className="nbprod-filter" role="group" aria-label="Show findings of severity">
      {SEVERITIES.map(severity => {
        const shown = view.severities[severity];
        const count = view.bySeverity[severity];
        return (
          <button
            key={severity}
            className={`nbprod-filter-button nbprod-severity-${severity}`}
            data-severity={severity}
            aria-pressed={shown}
            title={`${shown ? 'Hide' : 'Show'} ${SEVERITY_LABEL[severity][1]}`}
            onClick={() => controls.setSeverityShown(severity, !shown)}
          >
            <span className="nbprod-severity-dot" aria-hidden="true" />
            {plural(count, SEVERITY_LABEL[severity])}
          </button>
        );
      })}
    </div>
  );
}

/** A checklist area or the notebook group: a header that folds, and its findings. */
const GroupSection = React.memo(function GroupSection({
  group,
  rules,
  controls
}: {
  group: IEntryGroup;
  rules: Rules;
  controls: IControls;
}) {
  const { count, entries, collapsed } = group;
  const hidden = count - entries.length;
  const Caret = collapsed ? caretRightIcon : caretDownIcon;
  return (
    <section
      className="nbprod-area"
      data-area={group.id}
      data-count={count}
      data-collapsed={collapsed ? 'true' : 'false'}
    >
      <h3 className="nbprod-area-header">
        <button
          className="nbprod-area-toggle"
          aria-expanded={!collapsed}
          disabled={count === 0}
          onClick={() => controls.toggleGroup(group.id)}
        >
          {count > 0 ? <Caret.react tag="span" className="nbprod-caret" /> : <span className="nbprod-caret" />}
          {count === 0 ? (
            <span className="nbprod-tick" title="No findings in this area">
              ✓
            </span>
          ) : (
            <span className="nbprod-count">{count}</span>
          )}
          <span className="nbprod-area-title">{group.title}</span>
          {hidden > 0 && <span className="nbprod-hidden">{hidden} filtered</span>}
        </button>
      </h3>
      {!collapsed && entries.length > 0 && (
        <ul className="nbprod-findings">
          {entries.map(entry => (
            <FindingRow key={entry.key} entry={entry} rule={rules.get(entry.finding.code)} controls={controls} />
          ))}
        </ul>
      )}
    </section>
  );
});

/** Status bar: the active notebook's finding count; click opens the sidebar. */
export class ChecklistStatus extends ReactWidget {
  constructor(
    private readonly _model: ChecklistModel,
    private readonly _open: () => void
  ) {
    super();
    this.addClass('nbprod-status-item');
  }

  render(): JSX.Element {
    const model = this._model;
    return (
      <UseSignal signal={model.changed} shouldUpdate={(_, handle) => handle === null || handle === model.active}>
        {() => {
          const view = model.view();
          const total = view?.loaded ? view.total : 0;
          const text =
            view === null
              ? ''
              : !view.loaded
                ? 'checking…'
                : total === 0
                  ? 'no findings'
                  : plural(total, ['finding', 'findings']);
          return (
            <span
              className="nbprod-status-count"
              data-total={total}
              title="Production checklist findings in this notebook"
              onClick={() => this._open()}
            >
              <checklistIcon.react tag="span" className="nbprod-status-icon" />
              {text}
            </span>
          );
        }}
      </UseSignal>
    );
  }
}

/** The export dialog's body: what was written, what was left alone and why. */
export function ExportSummary({ report }: { report: ExportReport }): JSX.Element {
  const list = (title: string, items: string[]) =>
    items.length > 0 && (
      <>
        <h4>{title}</h4>
        <ul>
          {items.map(item => (
            <li key={item}>
              <code>{item}</code>
            </li>
          ))}
        </ul>
      </>
    );
  return (
    <div className="nbprod-export-summary">
      <p>
        Package <code>{report.package}</code> in <code>{report.out_dir}</code>
      </p>
      {report.refusals.length > 0 && (
        <>
          <h4>Cells that cannot be exported</h4>
          <ul>
            {report.refusals.map(r => (
              <li key={`${r.location}:${r.reason}`}>
                {r.location}: {r.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      {report.refused.length > 0 && (
        <>
          <h4>Edited by hand, not overwritten</h4>
          <ul>
            {report.refused.map(r => (
              <li key={r.path}>
                <code>{r.path}</code>
                {r.reason ? `: ${r.reason}` : ''}
              </li>
            ))}
          </ul>
        </>
      )}
      {list('Written', report.written)}
      {list('Removed', report.removed ?? [])}
      {report.unchanged.length > 0 && <p>{report.unchanged.length} file(s) already up to date.</p>}
      {report.notes.map(note => (
        <p key={note} className="nbprod-export-note">
          {note}
        </p>
      ))}
    </div>
  );
}
