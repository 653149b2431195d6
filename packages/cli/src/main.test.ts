import type { Command } from 'commander';
import { Cli } from './cli-context';
import { buildProgram, main } from './main';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true));
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((err += String(chunk)), true));
  try {
    const code = await main(argv, {});
    return { code, out, err };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

function paths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.filter((c) => c.name() !== 'help').flatMap((c) => [[...prefix, c.name()], ...paths(c, [...prefix, c.name()])]);
}

it('gives every command its own --help, exit 0', async () => {
  const all = paths(buildProgram(new Cli({})));
  expect(all.length).toBeGreaterThan(25);
  for (const path of all) {
    const r = await run(...path, '--help');
    expect({ path, code: r.code }).toEqual({ path, code: 0 });
    expect(r.out).toContain(`Usage: anneal ${path.join(' ')}`);
  }
});

it('suggests the closest command for a typo, with exit 2 and nothing on stdout', async () => {
  const r = await run('strat', 'examples/x.json');
  expect(r.code).toBe(2);
  expect(r.out).toBe('');
  expect(r.err).toMatch(/^anneal: unknown command 'strat'\n\(Did you mean start\?\)/);
  expect((await run('schedule', 'crate', 'x')).err).toContain('(Did you mean create?)');
});

it('refuses bad usage with one line and exit 2: an unknown option, a bad choice, a missing argument or option', async () => {
  const cases: [string[], RegExp][] = [
    [['start', 'spec.json', '--epochz', '3'], /unknown option '--epochz'/],
    [['worker', '--queue', 'tpu'], /argument 'tpu' is invalid. Allowed choices are all, cpu, gpu, anneal, anneal-gpu/],
    [['start'], /missing required argument 'spec'/],
    [['approve', 'wf-1'], /required option '--approver <who>' not specified/],
    [['spec', 'schema', 'nope'], /Allowed choices are fineTune, pretrain/],
  ];
  for (const [argv, message] of cases) {
    const r = await run(...argv);
    expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
    expect(r.err.split('\n')[0]).toMatch(message);
  }
});

it("turns the user's mistakes inside an action into one line and exit 2", async () => {
  const r = await run('start', '/nonexistent/spec.json', '--no-wait');
  expect(r.code).toBe(2);
  expect(r.err).toMatch(/^anneal: \/nonexistent\/spec.json: ENOENT/);
});

it('prints a JSON Schema for spec schema, exit 0', async () => {
  const r = await run('spec', 'schema', 'pretrain');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.out)).toHaveProperty('properties.architecture');
});
