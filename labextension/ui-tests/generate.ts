/** A generated 200-cell notebook for the windowing test and the latency benchmark. */

export const CELLS = 200;
/** The cell whose edit adds and removes a use-before-definition. */
export const TOGGLE = 150;
/** Reads `forecast_total`, which only the last cell defines. */
export const BROKEN = 'summary = feature_0 + forecast_total\nprint(summary)';
export const FIXED = 'summary = feature_0 + feature_1\nprint(summary)';

/**
 * A long but ordinary analysis notebook: a stated objective, imports, a chain of
 * feature cells each reading the previous one, helper functions, section headings.
 * Apart from the toggle cell it is meant to be clean, so the sidebar shows one change.
 */
export function generateNotebook(toggle: string = BROKEN): object {
  const code = (source: string) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source });
  const markdown = (source: string) => ({ cell_type: 'markdown', metadata: {}, source });
  const cells: object[] = [
    markdown(
      '# Demand forecast\n\nPredict weekly demand per store for the next quarter so that ' +
        'stock can be planned; the metric is MAPE on the last eight weeks, against a ' +
        'seasonal-naive baseline.'
    ),
    code('import numpy as np\nimport pandas as pd')
  ];
  let feature = 0;
  for (let k = cells.length; k < CELLS - 1; k++) {
    if (k === TOGGLE) {
      cells.push(code(toggle));
    } else if (k % 10 === 0) {
      cells.push(markdown(`## Step ${k / 10}\n\nDerive the next block of features and check them.`));
    } else if (k % 10 === 1) {
      cells.push(code(`def scale_${k}(values, factor=${k}):\n    """Scale one block."""\n    return values * factor`));
    } else {
      const source = feature === 0 ? 'np.arange(100.0)' : `feature_${feature - 1}`;
      cells.push(
        code(`feature_${feature} = pd.Series(${source}).rolling(3).mean()\nprint(feature_${feature}.tail(1))`)
      );
      feature++;
    }
  }
  cells.push(code(`forecast_total = feature_${feature - 1}.sum()\nprint(forecast_total)`));
  return {
    cells: cells.map((c, k) => ({ ...c, id: `cell-${k}` })),
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } },
    nbformat: 4,
    nbformat_minor: 5
  };
}
