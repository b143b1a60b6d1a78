/**
 * The "Production checklist" sidebar and the status-bar count: React views of the model.
 */
import { LabIcon, ReactWidget, UseSignal, refreshIcon } from '@jupyterlab/ui-components';
import React from 'react';

import type { ExportReport, Finding, RuleInfo } from './api';
import { ChecklistModel, IEntry, IEntryGroup, INotebookView } from './model';

const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <g class="jp-icon3" fill="#616161">
    <path d="M9 2h6a1 1 0 0 1 1 1v1h2a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H6a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2h2V3a1 1 0 0 1 1-1zm1 2v2h4V4h-4zM6 6v14h12V6h-2v2H8V6H6z"/>
    <path d="M10.3 16.7 7.6 14l1.4-1.4 1.3 1.3 4.7-4.7 1.4 1.4-6.1 6.1z"/>
  </g>
</svg>`;

export const checklistIcon = new LabIcon({ name: 'nbprod:checklist', svgstr: ICON_SVG });

export interface IPanelActions {
  /** Activate the finding's cell, scroll to it and put the cursor at its line. */
  reveal(finding: Finding): void;
  check(): void;
  rule(code: string): RuleInfo | undefined;
}

export class ChecklistPanel extends ReactWidget {
  constructor(
    private readonly _model: ChecklistModel,
    private readonly _actions: IPanelActions
  ) {
    super();
    this.id = 'nbprod-checklist';
    this.addClass('nbprod-panel');
    this.title.icon = checklistIcon;
    this.title.caption = 'Production checklist';
  }

  render(): JSX.Element {
    return (
      <UseSignal signal={this._model.changed}>
        {() => <Checklist view={this._model.view()} actions={this._actions} />}
      </UseSignal>
    );
  }
}

const STATUS_TEXT: Record<INotebookView['status'], string> = {
  idle: '',
  scheduled: 'editing…',
  checking: 'checking…',
  done: 'up to date',
  error: 'check failed'
};

function Checklist({ view, actions }: { view: INotebookView | null; actions: IPanelActions }): JSX.Element {
  return (
    <div className="nbprod-checklist" data-revision={view?.revision ?? 0} data-status={view?.status ?? 'none'}>
      <header className="nbprod-header">
        <h2>Production checklist</h2>
        <button
          className="nbprod-check-button jp-Button jp-mod-minimal"
          title="Check notebook"
          disabled={view === null}
          onClick={() => actions.check()}
        >
          <refreshIcon.react tag="span" />
        </button>
      </header>
      {view === null ? (
        <p className="nbprod-empty">Open a notebook to see its production checklist.</p>
      ) : (
        <NotebookChecklist view={view} actions={actions} />
      )}
    </div>
  );
}

function NotebookChecklist({ view, actions }: { view: INotebookView; actions: IPanelActions }): JSX.Element {
  const { executed, stale, deletedAfterRun } = view.session;
  return (
    <>
      <div className="nbprod-summary">
        <span className="nbprod-path" title={view.path}>
          {view.path}
        </span>
        <span className="nbprod-status">{STATUS_TEXT[view.status]}</span>
      </div>
      <div className="nbprod-total" data-total={view.total}>
        {view.total === 0 ? 'No findings' : `${view.total} finding${view.total === 1 ? '' : 's'}`}
      </div>
      <div className="nbprod-session" title="What the running kernel holds, tracked since it started">
        {executed === 0
          ? 'Kernel session: no cells run yet'
          : `Kernel session: ${executed} cell${executed === 1 ? '' : 's'} run` +
            (stale > 0 ? ` · ${stale} edited since` : '') +
            (deletedAfterRun > 0 ? ` · ${deletedAfterRun} deleted after running` : '')}
      </div>
      {view.error !== null && <div className="nbprod-error">Could not check: {view.error}</div>}
      {view.fileErrors.map(message => (
        <div className="nbprod-error" key={message}>
          {message}
        </div>
      ))}
      {view.skipped !== null && <div className="nbprod-skipped">Not checked: {view.skipped}</div>}
      {view.groups.map(group => (
        <AreaSection key={group.area} group={group} actions={actions} />
      ))}
    </>
  );
}

function AreaSection({ group, actions }: { group: IEntryGroup; actions: IPanelActions }): JSX.Element {
  const count = group.entries.length;
  return (
    <section className="nbprod-area" data-area={group.area} data-count={count}>
      <h3 className="nbprod-area-header">
        {count === 0 ? (
          <span className="nbprod-tick" title="No findings in this area">
            ✓
          </span>
        ) : (
          <span className="nbprod-count">{count}</span>
        )}
        <span className="nbprod-area-title">{group.title}</span>
      </h3>
      {count > 0 && (
        <ul className="nbprod-findings">
          {group.entries.map(entry => (
            <FindingRow key={entryKey(entry)} entry={entry} actions={actions} />
          ))}
        </ul>
      )}
    </section>
  );
}

function entryKey({ finding: f }: IEntry): string {
  return `${f.code}:${f.cell_id ?? f.cell_index}:${f.line}:${f.column}:${f.message}`;
}

function FindingRow({ entry, actions }: { entry: IEntry; actions: IPanelActions }): JSX.Element {
  const { finding, cellNumber, live } = entry;
  const rule = actions.rule(finding.code);
  const tooltip = live
    ? `${finding.name}: seen in this kernel session, not in the file`
    : `${finding.name}${rule ? `: ${rule.summary}` : ''}`;
  return (
    <li
      className={`nbprod-finding nbprod-severity-${finding.severity}`}
      data-code={finding.code}
      data-cell={cellNumber}
      data-cell-id={finding.cell_id ?? ''}
      role="button"
      tabIndex={0}
      title={tooltip}
      onClick={() => actions.reveal(finding)}
      onKeyDown={event => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          actions.reveal(finding);
        }
      }}
    >
      <span className="nbprod-code">{finding.code}</span>
      <span className="nbprod-message">{finding.message}</span>
      <span className="nbprod-where">
        {live && <span className="nbprod-live">live</span>}
        cell {cellNumber}:{finding.line}
      </span>
    </li>
  );
}

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
    return (
      <UseSignal signal={this._model.changed}>
        {() => {
          const view = this._model.view();
          const total = view?.total ?? 0;
          return (
            <span
              className="nbprod-status-count"
              data-total={total}
              title="Production checklist findings in this notebook"
              onClick={() => this._open()}
            >
              <checklistIcon.react tag="span" className="nbprod-status-icon" />
              {view === null ? '' : total === 0 ? 'no findings' : `${total} finding${total === 1 ? '' : 's'}`}
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
