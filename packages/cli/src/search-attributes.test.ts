import { ensureSearchAttributes } from './search-attributes';

type Operator = Parameters<typeof ensureSearchAttributes>[0];

function operator(existing: string[], add: () => Promise<unknown>) {
  const added: Record<string, unknown>[] = [];
  const fake = {
    listSearchAttributes: async () => ({ customAttributes: Object.fromEntries(existing.map((n) => [n, 2])) }),
    addSearchAttributes: async (request: { searchAttributes: Record<string, unknown> }) => {
      added.push(request.searchAttributes);
      return add();
    },
  };
  return { fake: fake as unknown as Operator, added };
}

describe('ensureSearchAttributes', () => {
  it('adds only the missing attributes, with their types, and nothing when all exist', async () => {
    const some = operator(['AnnealPipeline', 'AnnealModel', 'AnnealDataset'], async () => ({}));
    expect(await ensureSearchAttributes(some.fake, 'default')).toEqual(['AnnealStage', 'AnnealChampionVersion']);
    expect(Object.keys(some.added[0]!)).toEqual(['AnnealStage', 'AnnealChampionVersion']);
    expect(some.added[0]!.AnnealStage).not.toBe(some.added[0]!.AnnealChampionVersion); // Keyword vs Int
    const all = operator(['AnnealPipeline', 'AnnealModel', 'AnnealDataset', 'AnnealStage', 'AnnealChampionVersion'], async () => ({}));
    expect(await ensureSearchAttributes(all.fake, 'default')).toEqual([]);
    expect(all.added).toEqual([]);
  });

  it('a namespace that refuses gets one error naming the attributes and the commands an operator runs', async () => {
    const refusing = operator(['AnnealPipeline', 'AnnealModel', 'AnnealDataset', 'AnnealStage'], () => Promise.reject(new Error('PermissionDenied')));
    await expect(ensureSearchAttributes(refusing.fake, 'prod')).rejects.toThrow(
      'search attributes AnnealChampionVersion are not registered in namespace prod and could not be added (PermissionDenied); an operator registers them with:\n' +
        '  temporal operator search-attribute create --namespace prod --name AnnealChampionVersion --type Int',
    );
  });
});
