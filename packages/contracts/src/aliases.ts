/** The aliases a gated retrain moves: the new version waits as `challenger`; promotion keeps the old one as `previous`. */
export const ALIASES = { champion: 'champion', challenger: 'challenger', previous: 'previous' } as const;
