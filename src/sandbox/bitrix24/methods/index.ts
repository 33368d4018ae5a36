import type { MethodTable } from '../method-types';
import { crmEntityMethods } from './crm-entity.methods';
import { crmItemMethods } from './crm-item.methods';
import { userFieldMethodTable } from './userfield.methods';
import { crmReferenceMethods } from './crm-reference.methods';
import { timelineMethods } from './timeline.methods';
import { activityMethods } from './activity.methods';
import { taskMethods } from './tasks.methods';
import { appMethods } from './app.methods';
import { bindingMethods } from './binding.methods';

/** Every REST method the sandbox portal answers (batch is handled by the dispatcher). */
export const bitrix24Methods: MethodTable = {
  ...crmEntityMethods, ...crmItemMethods, ...userFieldMethodTable, ...crmReferenceMethods, ...timelineMethods,
  ...activityMethods, ...taskMethods, ...appMethods, ...bindingMethods,
};
