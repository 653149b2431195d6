import { SimplePlugin } from '@temporalio/plugin';

/**
 * A Temporal worker plugin that registers a package's activities.
 * `@temporalio/plugin` is experimental: this is the one place that touches its API.
 */
export function activityPlugin(name: string, activities: object): SimplePlugin {
  return new SimplePlugin({ name, activities });
}
