/** The app version, as package.json states it (read once; package.json is the single source). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const APP_VERSION: string = (require('../package.json') as { version: string }).version;
