import { describe, expect, it } from 'vitest';
import { feedItem, type Shapes } from './data';

const index: Shapes['index'] = new Map([
  [1, { id: 1, name: '幸福社区', parentId: null, center: null, geometry: null, kind: 'community' }],
  [2, { id: 2, name: '第一网格', parentId: 1, center: null, geometry: null, kind: 'grid' }],
]);

describe('feedItem', () => {
  it('shows a report’s text for the wall to mask', () => {
    const item = feedItem({ id: 7, number: 'T7', kind: 'report', node_id: 2, description: '楼道杂物堆积' } as never, index);
    expect(item.text).toBe('楼道杂物堆积');
    expect(item.community).toBe('幸福社区');
  });

  it('never shows a care alert’s text (it names the elder and the room)', () => {
    const item = feedItem(
      { id: 8, number: 'T8', kind: 'alert', node_id: 2, category_name: '独居老人预警', description: '独居老人 孙桂芝（1号楼 9-887）12 小时未用水', title: '用水静默' } as never,
      index,
    );
    expect(item.text).toBe('');
    expect(item.category).toBe('独居老人预警');
  });
});
