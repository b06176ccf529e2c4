/** The command table: add a command by writing commands/<name>.ts and listing it here. */
import type { CliCommand } from '../command';
import { embedCommand } from './embed';
import { matrixCommand } from './matrix';
import { packCommand } from './pack';
import { preprocessCommand } from './preprocess';
import { libraryIndexCommand } from './library-index';
import { searchCommand } from './search';
import { tagCommand } from './tag';
import { duplicatesCommand } from './duplicates';

export const COMMANDS: CliCommand[] = [packCommand, embedCommand, matrixCommand, preprocessCommand, libraryIndexCommand, searchCommand, tagCommand, duplicatesCommand];
