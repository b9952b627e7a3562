// `node --conditions=@fackel/source --import ./register.mjs …` runs TypeScript sources (see ts-loader.mjs).
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
