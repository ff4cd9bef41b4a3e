{#-
  Statistics of the experiment marts in plain arithmetic, sqrt and exp, which DuckDB, Postgres and
  Spark all run alike (Postgres and Spark have no erf), so no engine needs its own version.
  Arguments are column names or simple expressions: each macro repeats its argument.

  Postgres raises an error on a floating-point underflow (exp, power, or a product that rounds to
  0), so every exp and power argument is bounded to stay above the smallest double.
-#}

{#-
  Upper tail of the standard normal, 1 - Phi(a), for a >= 0: Hart's double-precision algorithm
  5666 as written down by West (2005), "Better approximations to cumulative normal functions";
  absolute error below 1e-15 (tests/test_stats.py compares it with scipy). Beyond 37 the tail is
  below the smallest double.
-#}
{% macro normal_upper_tail(a) -%}
  case
    when {{ a }} > 37 then cast(0 as {{ type_double() }})
    when {{ a }} < 7.07106781186547
      then exp(-least({{ a }}, 37) * least({{ a }}, 37) / 2)
        * ((((((0.0352624965998911 * {{ a }} + 0.700383064443688) * {{ a }} + 6.37396220353165) * {{ a }}
        + 33.912866078383) * {{ a }} + 112.079291497871) * {{ a }} + 221.213596169931) * {{ a }}
        + 220.206867912376)
        / (((((((0.0883883476483184 * {{ a }} + 1.75566716318264) * {{ a }} + 16.064177579207) * {{ a }}
        + 86.7807322029461) * {{ a }} + 296.564248779674) * {{ a }} + 637.333633378831) * {{ a }}
        + 793.826512519948) * {{ a }} + 440.413735824752)
    else exp(-least({{ a }}, 37) * least({{ a }}, 37) / 2)
      / ({{ a }} + 1 / ({{ a }} + 2 / ({{ a }} + 3 / ({{ a }} + 4 / ({{ a }} + 0.65)))))
      / 2.506628274631
  end
{%- endmacro %}

{#- Phi(x), the standard normal CDF; null for null. The tail is computed on |x| so both ends keep full precision. -#}
{% macro normal_cdf(x) -%}
  case
    when {{ x }} > 0 then 1 - {{ normal_upper_tail('abs(' ~ x ~ ')') }}
    else {{ normal_upper_tail('abs(' ~ x ~ ')') }}
  end
{%- endmacro %}

{#- Two-sided p-value of a z statistic: P(|Z| >= |z|) = 2 (1 - Phi(|z|)). -#}
{% macro two_sided_p_value(z) -%}
  2 * {{ normal_upper_tail('abs(' ~ z ~ ')') }}
{%- endmacro %}

{#-
  Survival function of the chi-squared distribution, P(X >= x), for integer degrees of freedom
  1..max_df (a branch has up to 20 paths, so 19), in closed form (Abramowitz & Stegun 26.4.4-5):
  even df = 2k: exp(-x/2) * sum_{i<k} (x/2)^i / i!;
  odd df = 2k+1: 2 (1 - Phi(sqrt x)) + sqrt(2/pi) exp(-x/2) * sum_{r=1..k} x^(r-1/2) / (1*3*...*(2r-1)).
  The sums are unrolled here, each term kept only where its index is below the df of the row.
  Below x = 1e-16 the value is 1 (within 1e-8, df 1); above 1400 it is 0 (below 1e-280).
-#}
{% macro chi_squared_survival(x, df, max_df=19) -%}
  {%- set half_terms = [] -%}
  {%- set factorial = namespace(value=1) -%}
  {%- for i in range(0, (max_df + 1) // 2) -%}
    {%- if i > 0 %}{% set factorial.value = factorial.value * i %}{% endif -%}
    {%- do half_terms.append("case when " ~ df ~ " > " ~ (2 * i) ~ " then power(" ~ x ~ " / 2, " ~ i ~ ") / "
        ~ factorial.value ~ " else 0 end") -%}
  {%- endfor -%}
  {%- set odd_terms = [] -%}
  {%- set double_factorial = namespace(value=1) -%}
  {%- for r in range(1, (max_df - 1) // 2 + 1) -%}
    {%- set double_factorial.value = double_factorial.value * (2 * r - 1) -%}
    {%- do odd_terms.append("case when " ~ df ~ " >= " ~ (2 * r + 1) ~ " then sqrt(" ~ x ~ ") * power(" ~ x ~ ", "
        ~ (r - 1) ~ ") / " ~ double_factorial.value ~ " else 0 end") -%}
  {%- endfor -%}
  case
    when {{ x }} is null or {{ df }} is null or {{ df }} < 1 or {{ df }} > {{ max_df }} then null
    when {{ x }} <= 1e-16 then cast(1 as {{ type_double() }})
    when {{ x }} > 1400 then cast(0 as {{ type_double() }})
    when mod({{ df }}, 2) = 0
      then exp(-{{ x }} / 2) * ({{ half_terms | join(' + ') }})
    else 2 * {{ normal_upper_tail('sqrt(' ~ x ~ ')') }}
      + 0.7978845608028654 * exp(-{{ x }} / 2) * (
        {%- if odd_terms %}{{ odd_terms | join(' + ') }}{% else %}0{% endif %})
  end
{%- endmacro %}

{#-
  Relative lift of a treatment rate p_t (n_t units) over a control rate p_c (n_c units), and its
  95% interval by the delta method:
  var = p_c (1 - p_c) p_t^2 / (p_c^4 n_c) + p_t (1 - p_t) / (p_c^2 n_t).
  Null when p_c is 0 or null or an arm is empty. `part`: lift, low or high.
-#}
{% macro relative_lift(p_t, n_t, p_c, n_c, part='lift') -%}
  {%- set lift = '(' ~ p_t ~ ' - ' ~ p_c ~ ') / ' ~ p_c -%}
  {%- set half_width = '1.959964 * sqrt(' ~ p_c ~ ' * (1 - ' ~ p_c ~ ') * ' ~ p_t ~ ' * ' ~ p_t ~ ' / ('
      ~ p_c ~ ' * ' ~ p_c ~ ' * ' ~ p_c ~ ' * ' ~ p_c ~ ' * ' ~ n_c ~ ') + ' ~ p_t ~ ' * (1 - ' ~ p_t ~ ') / ('
      ~ p_c ~ ' * ' ~ p_c ~ ' * ' ~ n_t ~ '))' -%}
  case
    when {{ p_c }} > 0 and {{ n_c }} > 0 and {{ n_t }} > 0 and {{ p_t }} is not null then
      {%- if part == 'lift' %} {{ lift }}
      {%- elif part == 'low' %} {{ lift }} - {{ half_width }}
      {%- else %} {{ lift }} + {{ half_width }}
      {%- endif %}
  end
{%- endmacro %}

{#-
  The unpooled z of a difference of two rates, (p_t - p_c) / sqrt(p_t(1-p_t)/n_t + p_c(1-p_c)/n_c);
  null when an arm is empty or both rates sit at 0 or 1 (zero spread).
-#}
{% macro rate_difference_z(p_t, n_t, p_c, n_c) -%}
  {%- set spread = p_t ~ ' * (1 - ' ~ p_t ~ ') / ' ~ n_t ~ ' + ' ~ p_c ~ ' * (1 - ' ~ p_c ~ ') / ' ~ n_c -%}
  case
    when {{ n_t }} > 0 and {{ n_c }} > 0 and {{ spread }} > 0
      then ({{ p_t }} - {{ p_c }}) / sqrt({{ spread }})
  end
{%- endmacro %}
