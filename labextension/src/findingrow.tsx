/**
 * One finding in the sidebar, from a check or from a fresh-kernel run: click to jump to
 * its cell, Fix when the server sent a fix, the info button for why the rule matters.
 */
import { infoIcon } from '@jupyterlab/ui-components';
import React from 'react';

import { parseRuleDocs, type Finding, type RuleInfo } from './api';
import type { IEntry } from './model';

/** What a row can do: the plugin's jump to a cell and its fix. */
export interface IRowActions {
  /** Activate the finding's cell, scroll to it and put the cursor at its line. */
  reveal(finding: Finding): void;
  /** Apply the finding's fix to the open notebook (an unsafe one after asking). */
  fix(finding: Finding): void;
}

/**
 * One finding: the rule (code and name), where, and the message on one line; the
 * disclosure shows the whole message and why the rule matters, from the rule docs.
 */
export const FindingRow = React.memo(function FindingRow({
  entry,
  rule,
  controls
}: {
  entry: IEntry;
  rule: RuleInfo | undefined;
  controls: IRowActions;
}) {
  const [open, setOpen] = React.useState(false);
  const { finding, cellNumber, live, notebook: notebookScope } = entry;
  const where = notebookScope ? 'notebook' : `cell ${cellNumber}:${finding.line}`;
  // a notebook finding still names a cell: where to start fixing it (else the row explains)
  const canJump = cellNumber > 0;
  const activate = canJump ? () => controls.reveal(finding) : () => setOpen(!open);
  const detailsId = `nbprod-docs-${entry.key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return (
    <li
      className={`nbprod-finding nbprod-severity-${finding.severity}`}
      data-code={finding.code}
      data-cell={cellNumber}
      data-cell-id={finding.cell_id ?? ''}
      data-scope={notebookScope ? 'notebook' : 'cell'}
      data-expanded={open ? 'true' : 'false'}
    >
      <div className="nbprod-finding-row">
        <div
          className="nbprod-finding-main"
          role="button"
          tabIndex={0}
          title={`${finding.message}\n\n${canJump ? `Go to cell ${cellNumber}` : 'Click for details'}`}
          onClick={activate}
          onKeyDown={event => {
            if (event.key === 'Enter' || event.key === ' ') {
              event.preventDefault();
              activate();
            }
          }}
        >
          <div className="nbprod-finding-head">
            <span className="nbprod-severity-dot" title={finding.severity} />
            <span className="nbprod-code">{finding.code}</span>
            <span className="nbprod-rule-name">{finding.name}</span>
            <span className="nbprod-where">
              {live && (
                <span className="nbprod-live" title="Seen in this kernel session, not in the file">
                  live
                </span>
              )}
              {where}
            </span>
          </div>
          <div className="nbprod-message">
            <InlineCode text={finding.message} />
          </div>
        </div>
        {finding.fix && !live && (
          <button
            className="nbprod-fix-button"
            data-applicability={finding.fix.applicability}
            title={
              finding.fix.applicability === 'safe'
                ? `Fix: ${finding.fix.message}`
                : `Unsafe fix, review the change: ${finding.fix.message}`
            }
            onClick={() => controls.fix(finding)}
          >
            {finding.fix.applicability === 'safe' ? 'Fix' : 'Fix (unsafe)'}
          </button>
        )}
        <button
          className="nbprod-info-button"
          aria-expanded={open}
          aria-controls={detailsId}
          title={open ? 'Hide the explanation' : `Why is ${finding.name} a problem?`}
          onClick={() => setOpen(!open)}
        >
          <infoIcon.react tag="span" />
        </button>
      </div>
      {open && <RuleDocs id={detailsId} finding={finding} rule={rule} live={live} />}
    </li>
  );
});

/** The sections of the rule's documentation a reader needs next to a finding. */
const DOC_SECTIONS = ['Why is this bad?', 'Use instead'];

function RuleDocs({ id, finding, rule, live }: { id: string; finding: Finding; rule?: RuleInfo; live: boolean }) {
  const sections = React.useMemo(() => parseRuleDocs(rule?.docs ?? ''), [rule]);
  return (
    <div className="nbprod-docs" id={id}>
      <p className="nbprod-docs-message">
        <InlineCode text={finding.message} />
      </p>
      {live && !rule && (
        <p>
          Found by watching this kernel session, not in the saved file: restart the kernel and run the notebook top to
          bottom to see what the file really does.
        </p>
      )}
      {rule && (
        <p className="nbprod-docs-summary">
          <InlineCode text={rule.summary} />
        </p>
      )}
      {DOC_SECTIONS.filter(title => sections.has(title)).map(title => (
        <section key={title} className="nbprod-docs-section">
          <h4>{title}</h4>
          {sections.get(title)!.map((block, k) =>
            block.kind === 'code' ? (
              <pre key={k}>{block.text}</pre>
            ) : (
              <p key={k}>
                <InlineCode text={block.text} />
              </p>
            )
          )}
        </section>
      ))}
    </div>
  );
}

/** Markdown `code` spans as <code>; everything else as text (never as HTML). */
export function InlineCode({ text }: { text: string }) {
  return <>{text.split('`').map((part, k) => (k % 2 === 1 ? <code key={k}>{part}</code> : part))}</>;
}
