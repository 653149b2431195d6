import type { ValidationReport } from './validate-dataset';

/** Feature groups listed in the report (a wide table's full list is in the report's JSON). */
const FEATURES_LISTED = 40;
const ICON = { pass: 'pass', warn: 'WARN', fail: 'FAIL', off: 'off' } as const;

/** The report as a page to read in the MLflow UI or a terminal. */
export function reportToMarkdown(report: ValidationReport): string {
  const s = report.rowStats;
  const lines = [
    `# Dataset validation: ${report.dataset}`,
    '',
    `**${report.passed ? 'PASSED' : 'FAILED'}**: ${report.rows} rows accepted, ${s.invalidRows} invalid, ${report.classes.length} classes, features ${report.featureShape.join('x')}`,
    `Source: \`${report.source}\`  `,
    `Content digest (row order ignored): \`${s.contentDigest}\`  `,
    `Ordered digest: \`${s.orderedDigest}\``,
    '',
    '## Checks',
    '| check | level | result | detail |',
    '| --- | --- | --- | --- |',
    ...report.checks.map((c) => `| ${c.check} | ${c.level} | ${ICON[c.status]} | ${escape(c.message)} |`),
    '',
    '## Classes',
    '| class | rows | share |',
    '| --- | ---: | ---: |',
    ...report.classes.map(
      (c) => `| ${escape(c)} | ${report.classCounts[c] ?? 0} | ${(((report.classCounts[c] ?? 0) / Math.max(1, report.rows)) * 100).toFixed(1)}% |`,
    ),
    '',
    `Imbalance ratio: ${report.imbalanceRatio.toFixed(2)}; duplicate rows: ${s.duplicateRows}; conflicting labels: ${s.conflictingLabels}`,
  ];
  if (s.invalidExamples.length > 0) {
    lines.push('', `## First invalid rows (${s.invalidRows} in all)`, '| where | field | expected | found |', '| --- | --- | --- | --- |');
    lines.push(...s.invalidExamples.map((p) => `| ${escape(p.at)} | ${escape(p.field)} | ${escape(p.expected)} | ${escape(p.found)} |`));
  }
  if (s.duplicateExamples.length > 0) {
    lines.push('', '## First duplicates', '| row | repeats | label conflict |', '| --- | --- | --- |');
    lines.push(...s.duplicateExamples.map((d) => `| ${escape(d.at)} | ${escape(d.sameAs)} | ${d.conflict ? 'yes' : 'no'} |`));
  }
  if (report.nearDuplicates && report.nearDuplicates.length > 0) {
    lines.push('', '## First near-duplicate texts', '| row | near | similarity |', '| --- | --- | ---: |');
    lines.push(...report.nearDuplicates.slice(0, 10).map((d) => `| ${escape(d.at)} | ${escape(d.sameAs)} | ${d.similarity.toFixed(2)} |`));
  }
  if (report.columns.length > 0) {
    lines.push('', `## Columns${report.schemaInferred ? ' (schema inferred: pin it in the spec as dataset.schema)' : ''}`);
    lines.push('| column | type | role | missing | min | max | mean | distinct | constant |', '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |');
    lines.push(
      ...report.columns.map(
        (c) =>
          `| ${escape(c.name)} | ${c.type} | ${c.role} | ${c.missing} | ${num(c.min)} | ${num(c.max)} | ${num(c.mean)} | ${c.distinct ?? ''} | ${c.constant ? 'yes' : ''} |`,
      ),
    );
  }
  lines.push('', '## Features', '| feature | encoder | dtype | shape |', '| --- | --- | --- | --- |');
  lines.push(...report.features.slice(0, FEATURES_LISTED).map((g) => `| ${escape(g.name)} | ${g.encoder} | ${g.dtype} | ${g.shape.join('x')} |`));
  if (report.features.length > FEATURES_LISTED) lines.push(`| ... ${report.features.length - FEATURES_LISTED} more | | | |`);
  if (report.drift) {
    const d = report.drift;
    lines.push('', `## Drift against ${escape(d.reference.name)} (${d.reference.rows} rows)`, `Label shift (total variation): ${d.labelShift.toFixed(3)}`, '');
    lines.push('| feature | PSI |', '| --- | ---: |', ...d.features.slice(0, 10).map((f) => `| ${escape(f.feature)} | ${f.psi.toFixed(3)} |`));
  }
  if (report.notices.length > 0) lines.push('', '## Notes', ...report.notices.map((n) => `- ${escape(n)}`));
  if (report.schema && report.schemaInferred) lines.push('', '## Inferred schema', '```json', JSON.stringify(report.schema, null, 2), '```');
  return `${lines.join('\n')}\n`;
}

function num(v: number | undefined): string {
  return v === undefined ? '' : Number.isInteger(v) ? String(v) : v.toPrecision(4);
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
